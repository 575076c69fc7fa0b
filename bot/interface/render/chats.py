"""An associate's /chats page, one member's chat opened from it, and the notice to a writer
(an associate or a member) that their message did not arrive. Names and message previews are user text: escaped
(the catalog escapes every parameter)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from bot.interface.callbacks import ChatsPage, MemberAction, OpenChat
from bot.interface.i18n import Catalog, locale_for
from bot.interface.render.base import Outgoing, button, text
from bot.interface.render.relay import RelayRenderer, full_name
from commerce import lengths
from commerce.chats import PAGE_SIZE, ChatListPage, OpenedChat, Undelivered
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.outbox import DeliveryProblem
from commerce.people import Brand

PREVIEW = 60  # UTF-16 units of the last message shown in the list
QUOTE = 200  # units of an undelivered message quoted back to its writer


def _one_line(body: str, room: int) -> str:
    return lengths.shorten(" ".join(body.split()), room)  # one line per chat in the list


@dataclass(frozen=True, slots=True)
class ChatsRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    def _preview(self, locale: str, message: ConversationMessage | None) -> str:
        if message is None:
            return self.t(locale, "chats.no_messages")
        body = message.text or ""
        if message.kind is MessageKind.PHOTO:
            body = f"{self.t(locale, 'relay.photo')} {body}".strip()
        elif message.kind.value not in ("text", "edit"):  # voice, video, a document...: say which
            body = f"[{message.kind.value}] {body}".strip()
        prefix = self.t(locale, "chats.you") if message.direction is Direction.OUT else ""
        return prefix + html.escape(_one_line(body, PREVIEW), quote=False)

    def page(self, locale: str, view: ChatListPage) -> Outgoing:
        if not view.chats and view.page == 0:
            return text(self.t(locale, "chats.empty"))
        lines = [self.t(locale, "chats.title", page=view.page + 1)]
        buttons: list[list[dict[str, str]]] = []
        for n, chat in enumerate(view.chats, start=view.page * PAGE_SIZE + 1):
            assert chat.member.id is not None
            unread = self.t(locale, "chats.unread", count=chat.unread) if chat.unread else ""
            lines.append(self.t(locale, "chats.line", n=n, member=full_name(chat.member), markup={
                "unread": unread, "preview": self._preview(locale, chat.last)}))
            label = full_name(chat.member) + (f" ({chat.unread})" if chat.unread else "")
            buttons.append([button(label, OpenChat(chat.member.id))])
        if not view.chats:
            lines.append(self.t(locale, "chats.no_more"))
        nav = []
        if view.page > 0:
            nav.append({"text": self.t(locale, "chats.previous"), "callback_data": ChatsPage(view.page - 1).pack()})
        if view.has_more:
            nav.append({"text": self.t(locale, "chats.next"), "callback_data": ChatsPage(view.page + 1).pack()})
        if nav:
            buttons.append(nav)
        return text("\n".join(lines), buttons=buttons)

    def opened(self, locale: str, chat: OpenedChat, names: dict[int, str]) -> list[Outgoing]:
        """The conversation as /history shows it, then how to answer."""
        listing = RelayRenderer(self.catalog, self.brand).history(locale, chat.member, chat.messages, names)
        assert chat.member.id is not None
        # Write: the associate's next messages go to the member without replying (handlers/workspace.py).
        actions = [[{"text": self.t(locale, f"workspace.button_{action}"), "callback_data": MemberAction(action, chat.member.id).pack()}
                    for action in ("write", "profile")]]
        return [listing, text(self.t(locale, "chats.open_hint", member=full_name(chat.member)), buttons=actions)]

    def not_yours(self, locale: str) -> Outgoing:
        return text(self.t(locale, "chats.not_yours"))

    def undelivered(self, notice: Undelivered, default_locale: str) -> Outgoing:
        """To the writer, in their own language: why their message did not arrive, and how
        it began (a media message without words is named by its kind)."""
        locale = locale_for(notice.member.language_code, default_locale) if notice.to_member else notice.associate.locale
        message = notice.message
        body = message.text or ("" if message.kind is MessageKind.TEXT else self.t(locale, f"relay.{message.kind.value}"))
        quote = _one_line(body, QUOTE)
        if notice.to_member:
            key = "relay.undelivered_too_long" if notice.problem is DeliveryProblem.TOO_LONG else "relay.undelivered"
            return text(self.t(locale, key, associate=notice.associate.display_name, text=quote))
        key = {DeliveryProblem.UNREACHABLE: "chats.unreachable", DeliveryProblem.TOO_LONG: "chats.too_long"}.get(notice.problem, "chats.failed")
        return text(self.t(locale, key, member=full_name(notice.member), text=quote))

