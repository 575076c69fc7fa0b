"""t.me deep links: how a code on a poster or an invite reaches the right bot."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def start_link(bot_username: str, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>; Telegram opens the bot and sends /start <payload>."""
    return f"https://t.me/{bot_username}?{urlencode({'start': payload})}"


def share_link(url: str, text: str) -> str:
    """A t.me/share link: opens the chat picker (and other apps) with the link and a text."""
    return f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text, safe='')}"
