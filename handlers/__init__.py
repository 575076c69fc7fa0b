"""Thin Telegram callbacks: parse the update, call a commerce service, render the result."""
