"""Pictures people would rather look at than read: QR posters and leaderboard charts."""
