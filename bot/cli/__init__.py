"""The `storelink` command: run, demo, chat, brand and associate onboarding, members, posters."""
