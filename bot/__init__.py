"""Composition root: settings, CLI, the two bots, web server, sender and scheduler."""
