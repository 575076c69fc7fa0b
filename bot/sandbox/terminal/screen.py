"""How the terminal chat shows what the bot sends: each message with its number, what it
answers, its body, the links hidden behind words (a terminal cannot click them) and its
buttons; an album as one entry."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

_LABELS = {"photo": "[photo]", "document": "[file]", "voice": "[voice]", "video": "[video]", "location": "[location]",
           "contact": "[contact]", "sticker": "[sticker]"}


def bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


def render_message(message: dict[str, Any], bot: str, *, edited: bool = False) -> str:
    """A bot message as the terminal shows it: number, what it answers, body, the links hidden
    behind words (a terminal cannot click them), buttons."""
    head = f"\n@{bot} #{message['message_id']} ›"
    notes = [note for note in (
        "(edited)" if edited else "",
        f"↩ #{message['reply_to_message_id']}" if message.get("reply_to_message_id") else "",
        _LABELS.get(message["kind"], ""),
        _contact(message) if message["kind"] == "contact" else "",
        _location(message) if message["kind"] == "location" else "",
    ) if note]
    lines = [bold(head) + (" " + " ".join(notes) if notes else "")]
    body = message.get("text") or message.get("caption") or ""
    for paragraph in body.splitlines():
        lines.append(textwrap.fill(paragraph, width=78, initial_indent="  ", subsequent_indent="  ") or "")
    entities = (message.get("entities") or []) + (message.get("caption_entities") or [])
    lines += [f"  ↗ {entity['url']}" for entity in entities if entity.get("type") == "text_link" and entity.get("url")]
    if buttons := buttons_of(message):
        lines.append("  " + "   ".join(f"[{n}] {button['text']}" for n, button in enumerate(buttons, 1)))
    return "\n".join(lines)


def in_albums(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The messages in order, the items of one album (one media group, one after another)
    together: Telegram delivers an album as one message per item."""
    groups: list[list[dict[str, Any]]] = []
    for message in messages:
        group_id = message.get("media_group_id")
        if group_id and groups and groups[-1][0].get("media_group_id") == group_id:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def render_album(items: list[dict[str, Any]], bot: str) -> str:
    """An album as one entry: its numbers, what it answers, how many items, its caption
    (an album's caption is the one item's that has it)."""
    first, last = items[0], items[-1]
    head = f"\n@{bot} #{first['message_id']}–#{last['message_id']} ›"
    notes = [note for note in (
        f"↩ #{first['reply_to_message_id']}" if first.get("reply_to_message_id") else "",
        f"album of {len(items)}",
    ) if note]
    lines = [bold(head) + " " + " ".join(notes)]
    for message in items:
        for paragraph in (message.get("caption") or "").splitlines():
            lines.append(textwrap.fill(paragraph, width=78, initial_indent="  ", subsequent_indent="  ") or "")
    return "\n".join(lines)


def _contact(message: dict[str, Any]) -> str:
    card = message.get("contact") or {}
    name = " ".join(part for part in (card.get("first_name"), card.get("last_name")) if part)
    return f"{name} {card.get('phone_number', '')}".strip()


def _location(message: dict[str, Any]) -> str:
    place = message.get("location") or {}
    return f"{place.get('latitude', 0):.6f}, {place.get('longitude', 0):.6f}"


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [button for row in rows for button in row]
