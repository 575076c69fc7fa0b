"""Renderers: domain results as Bot API calls, in each person's language. User text is escaped here."""
