"""The associate's member workspace as messages: the header line and the buttons under a
relayed message, the profile card, tags & notes, /members, and the short answers of the
tag, note and write flows. Names, tags, tiers and notes are user text: every one goes
through the catalog's escaping or html.escape here."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.interface.callbacks import MemberAction, MembersPage, OpenCatalog, RemoveTag
from bot.interface.i18n import Catalog
from bot.interface.render.base import Outgoing, text
from commerce import lengths
from commerce.access import NotYours
from commerce.conversations import Direction
from commerce.people import Brand, Member, Store
from commerce.workspace import (
    PAGE_SIZE,
    BadNote,
    BadTag,
    MemberListPage,
    NoteAdded,
    Profile,
    TagResult,
    TagsAndNotes,
    TooManyTags,
)
from commerce.workspace_values import NOTE_LIMIT, TAG_LIMIT, TAGS_PER_MEMBER, MemberNote

NOTE_PREVIEW = 300  # characters of a note on the card; the whole note stays stored
LIST_TAGS = 200  # characters of a member's tags on a /members line: a full page stays within one message


def full_name(member: Member) -> str:
    return " ".join(filter(None, [member.first_name, member.last_name]))


def hashtags(tags: Sequence[str]) -> str:
    return " ".join(f"#{tag}" for tag in tags)


def _one_line(body: str, room: int) -> str:
    body = " ".join(body.split())
    return body if len(body) <= room else body[: room - 1] + "…"


def relay_header(catalog: Catalog, locale: str, member: Member, store: Store, tags: Sequence[str]) -> str:
    """"💬 Alice Chen · Gold · Xintiandi · #vip #bags", leaving out what is not set."""
    tier = f" · {html.escape(member.tier, quote=False)}" if member.tier else ""
    tag_part = f" · {html.escape(hashtags(tags), quote=False)}" if tags else ""
    return catalog.text(locale, "workspace.header", member=full_name(member), store=store.name,
                        markup={"tier": tier, "tags": tag_part})


def member_buttons(catalog: Catalog, locale: str, member_id: int) -> dict[str, Any]:
    """The inline keyboard under a member's relayed message (answering is Telegram's own
    reply, so it needs no button)."""
    t = catalog.text
    return {"inline_keyboard": [[
        {"text": t(locale, "workspace.button_profile"), "callback_data": MemberAction("profile", member_id).pack()},
        {"text": t(locale, "workspace.button_tags"), "callback_data": MemberAction("tags", member_id).pack()},
    ]]}


@dataclass(frozen=True, slots=True)
class WorkspaceRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, f"workspace.{key}", **params)

    def say(self, locale: str, key: str, **params: Any) -> Outgoing:
        return text(self.t(locale, key, **params))

    def _at(self, moment: datetime, pattern: str = "%m-%d %H:%M") -> str:
        return moment.astimezone(ZoneInfo(self.brand.timezone)).strftime(pattern)

    def _button(self, locale: str, key: str, action: str, member_id: int) -> dict[str, str]:
        return {"text": self.t(locale, key), "callback_data": MemberAction(action, member_id).pack()}

    # --- the profile card -------------------------------------------------------------------

    def card(self, locale: str, view: Profile) -> Outgoing:
        member = view.member
        assert member.id is not None
        yes_no = {True: self.t(locale, "yes"), False: self.t(locale, "no")}
        on_off = {True: self.t(locale, "on"), False: self.t(locale, "off")}
        username = f" @{member.username}" if member.username else ""
        lines = [self.t(locale, "card_title", member=full_name(member), username=username)]
        if member.tier:
            lines.append(self.t(locale, "card_tier", tier=member.tier))
        if view.store is not None:
            lines.append(self.t(locale, "card_store", store=view.store.name))
        enrolled = self._at(member.enrolled_at, "%Y-%m-%d")
        lines.append(self.t(locale, "card_enrolled", at=enrolled, associate=view.enrolled_by.display_name)
                     if view.enrolled_by else self.t(locale, "card_enrolled_plain", at=enrolled))
        lines.append(self.t(locale, "card_consent", chat=on_off[member.consent_chat], marketing=on_off[member.consent_marketing]))
        # The phone number itself is never shown: only whether the brand has one.
        lines.append(self.t(locale, "card_reach", reachable=yes_no[member.reachable], phone=yes_no[member.phone is not None]))
        lines.append(self.t(locale, "card_tags", tags=hashtags(view.tags) or self.t(locale, "none")))
        lines.append(self._last_contact(locale, view))
        # Orders and spend join the card here once orders exist.
        lines += ["", *self._notes(locale, view.notes), "", self.t(locale, "card_hint")]
        keyboard = [[self._button(locale, "button_tags", "tags", member.id), self._button(locale, "button_write", "write", member.id),
                     self._button(locale, "button_history", "history", member.id)],
                    # The catalog, with this member chosen: its cards offer to send to them (handlers/catalog.py).
                    [{"text": self.catalog.text(locale, "workspace.button_products"),
                      "callback_data": OpenCatalog(member.id).pack()}]]
        return text("\n".join(lines), buttons=keyboard)

    def _last_contact(self, locale: str, view: Profile) -> str:
        last = view.stats.last
        if last is None:
            return self.t(locale, "card_last_none")
        who = (self.t(locale, "from_member") if last.direction is Direction.IN
               else self.t(locale, "from_associate", associate=view.last_writer or "?"))
        return self.t(locale, "card_last", at=self._at(last.created_at), who=who, count=view.stats.count)

    def _notes(self, locale: str, notes: Sequence[MemberNote]) -> list[str]:
        lines = [self.t(locale, "notes_title")]
        for note in notes:
            lines.append(self.t(locale, "note_line", at=self._at(note.created_at), author=note.author or "HQ",
                                text=_one_line(note.text, NOTE_PREVIEW)))
        if not notes:
            lines.append(self.t(locale, "no_notes"))
        return lines

    # --- tags & notes -------------------------------------------------------------------------

    def tags_and_notes(self, locale: str, view: TagsAndNotes) -> Outgoing:
        member = view.member
        assert member.id is not None
        names = [row.tag for row in view.tags]
        lines = [self.t(locale, "tags_title", member=full_name(member)),
                 self.t(locale, "card_tags", tags=hashtags(names) or self.t(locale, "none")), "",
                 *self._notes(locale, view.notes)]
        removes = [{"text": lengths.shorten(self.t(locale, "button_remove_tag", tag=row.tag), lengths.BUTTON_TEXT),
                    "callback_data": RemoveTag(member.id, row.id).pack()} for row in view.tags if row.id is not None]
        keyboard = [removes[i:i + 3] for i in range(0, len(removes), 3)]
        keyboard.append([self._button(locale, "button_add_tag", "addtag", member.id),
                         self._button(locale, "button_add_note", "addnote", member.id)])
        keyboard.append([self._button(locale, "button_profile", "profile", member.id),
                         self._button(locale, "button_write", "write", member.id)])
        return text("\n".join(lines), buttons=keyboard)

    # --- short answers ------------------------------------------------------------------------

    def ask_tag(self, locale: str, member: Member) -> Outgoing:
        return self.say(locale, "ask_tag", member=full_name(member))

    def ask_note(self, locale: str, member: Member) -> Outgoing:
        return self.say(locale, "ask_note", member=full_name(member), limit=NOTE_LIMIT)

    def bad_tag(self, locale: str, *, again: bool) -> Outgoing:
        body = self.t(locale, "bad_tag", limit=TAG_LIMIT)
        return text(f"{body}\n{self.t(locale, 'ask_again')}" if again else body)

    def too_many_tags(self, locale: str, member: Member) -> Outgoing:
        return self.say(locale, "too_many_tags", member=full_name(member), limit=TAGS_PER_MEMBER)

    def too_many_named(self, locale: str, count: int, limit: int) -> Outgoing:
        return self.say(locale, "too_many_named", count=count, limit=limit, member_limit=TAGS_PER_MEMBER)

    def bad_note(self, locale: str, length: int) -> Outgoing:
        return self.say(locale, "bad_note", limit=NOTE_LIMIT, length=length)

    def tag_answer(self, locale: str, member: Member, result: TagResult, *, added: bool, again: bool) -> Outgoing:
        """What a tag added or removed did, or why not. `again`: the tag was asked for."""
        if isinstance(result, NotYours):
            return self.say(locale, "not_yours")
        if isinstance(result, BadTag):
            return self.bad_tag(locale, again=again)
        if isinstance(result, TooManyTags):
            return self.too_many_tags(locale, member)
        key = ("tag_added" if result.changed else "tag_exists") if added else ("tag_removed" if result.changed else "tag_missing")
        return self.say(locale, key, member=full_name(result.member), tag=result.tag)

    def note_answer(self, locale: str, result: NoteAdded | BadNote | NotYours, *, again: bool) -> Outgoing:
        if isinstance(result, NotYours):
            return self.say(locale, "not_yours")
        if isinstance(result, BadNote):
            bad = self.bad_note(locale, result.length)
            return text(f"{bad.params['text']}\n{self.t(locale, 'ask_again')}") if again else bad
        return self.say(locale, "note_added", member=full_name(result.member))

    def writing(self, locale: str, member: Member) -> Outgoing:
        return self.say(locale, "writing", member=full_name(member))

    # --- /members -----------------------------------------------------------------------------

    def members(self, locale: str, view: MemberListPage, digest: str) -> Outgoing:
        filters = f" · {html.escape(view.where.words(), quote=False)}" if view.where.words() else ""
        if not view.members and view.page == 0:
            return self.say(locale, "members_empty" if filters else "members_none")
        lines = [self.catalog.text(locale, "workspace.members_title", page=view.page + 1, markup={"filters": filters})]
        buttons: list[list[dict[str, str]]] = []
        for n, row in enumerate(view.members, start=view.page * PAGE_SIZE + 1):
            assert row.member.id is not None
            details = [row.member.tier or "", _one_line(hashtags(row.tags), LIST_TAGS),
                       self.t(locale, "members_unread", count=row.unread) if row.unread else "",
                       self.t(locale, "members_last", at=self._at(row.last_contact, "%Y-%m-%d")) if row.last_contact
                       else self.t(locale, "members_never")]
            # tier and tags are raw user text; the catalog pieces are escaped already
            safe = [html.escape(d, quote=False) if i < 2 else d for i, d in enumerate(details)]
            joined = "".join(f" · {d}" for d in safe if d)
            lines.append(self.catalog.text(locale, "workspace.members_line", n=n, member=full_name(row.member),
                                           markup={"details": joined}))
            label = full_name(row.member) + (f" ({row.unread})" if row.unread else "")
            buttons.append([{"text": lengths.shorten(label, lengths.BUTTON_TEXT), "callback_data": MemberAction("profile", row.member.id).pack()}])
        if not view.members:
            lines.append(self.t(locale, "members_no_more"))
        nav = []
        if view.page > 0:
            nav.append({"text": self.t(locale, "previous"), "callback_data": MembersPage(view.page - 1, digest).pack()})
        if view.has_more:
            nav.append({"text": self.t(locale, "next"), "callback_data": MembersPage(view.page + 1, digest).pack()})
        if nav:
            buttons.append(nav)
        return text("\n".join(lines), buttons=buttons)
