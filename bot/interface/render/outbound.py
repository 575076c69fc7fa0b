"""The messages use cases decide to send (commerce.messages bodies), as Bot API calls.

Each body type has one renderer here; each renderer reuses the feature's own (relay,
albums, availability, workspace...), so a message looks the same whoever queues it.
A body renders as one or more calls: the first is the message itself, the rest follow as
replies to it (bot.interface.postbox chains them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.interface.i18n import Catalog, locale_for
from bot.interface.render.availability import AvailabilityRenderer
from bot.interface.render.base import TEXT_LIMIT, Outgoing, fit, text
from bot.interface.render.catalog import CatalogRenderer
from bot.interface.render.chats import ChatsRenderer
from bot.interface.render.checkout import CheckoutRenderer
from bot.interface.render.controls import ControlsRenderer
from bot.interface.render.leaderboard import standing_text
from bot.interface.render.order_updates import OrderUpdatesRenderer
from bot.interface.render.relay import RelayRenderer
from bot.interface.render.workspace import WorkspaceRenderer
from bot.runtime.albums import (
    album_for_associate,
    album_for_member,
    album_header,
    item_caption,
)
from commerce import lengths
from commerce import messages as m
from commerce.checkout_values import CheckoutShown
from commerce.escalation import Refusal
from commerce.people import Brand
from commerce.picks import LookbookSent, PickSent
from commerce.shop import ProductInterest


class OutboundRenderer:
    """Renders bodies with the catalog, the brand as read for this transaction, and the
    locale for people whose language is unknown."""

    def __init__(self, catalog: Catalog, brand: Brand, default_locale: str) -> None:
        self.catalog, self.brand, self.default_locale = catalog, brand, default_locale
        self.relay = RelayRenderer(catalog, brand)
        self._by_type: dict[type, Callable[[Any], list[Outgoing]]] = {
            m.Said: self._said, m.PhonePromptClosed: self._prompt_closed, m.RelayedIn: self._relayed_in, m.RelayedOut: self._relayed_out,
            m.CopyEdited: self._copy_edited, m.AlbumItemEdited: self._album_item_edited, m.AlbumRelayed: self._album,
            m.AutoReplied: self._auto_reply, m.NoAssociateHere: self._no_associate, m.History: self._history,
            m.ClaimFirstNotice: self._claim_first, m.EscalationAnswered: self._answered, m.CardClosed: self._card_closed,
            m.CardTaken: self._card_taken, m.CardClaimed: self._card_claimed,
            m.NotDelivered: self._not_delivered, m.TagAnswered: self._tag, m.NoteAnswered: self._note,
            m.TagsAndNotesShown: self._tags_and_notes, m.StandingLine: self._standing, m.PictureShown: self._picture,
            CheckoutShown: CheckoutRenderer(catalog).shown,
        }
        # The catalog in the chats: picks and lookbooks for members, members' questions for associates.
        shelf = CatalogRenderer(catalog, brand)
        self._by_type |= {
            PickSent: lambda b: [shelf.picked(self._member_locale(b.member), b, self.relay.persona(self._member_locale(b.member), b.associate, b.store))],
            LookbookSent: lambda b: shelf.lookbook(self._member_locale(b.member), b, self.relay.persona(self._member_locale(b.member), b.associate, b.store)),
            ProductInterest: lambda b: [shelf.interest(b)],
        }
        self._by_type.update(OrderUpdatesRenderer(catalog, brand, default_locale).renderers())  # an order's updates

    def render(self, body: object) -> list[Outgoing]:
        return self._by_type[type(body)](body)

    def _member_locale(self, member: Any) -> str:
        return locale_for(member.language_code, self.default_locale)

    def _said(self, said: m.Said) -> list[Outgoing]:
        return [text(self.catalog.text(said.locale, said.key, **said.params))]

    def _prompt_closed(self, b: m.PhonePromptClosed) -> list[Outgoing]:
        return [Outgoing("sendMessage", {"text": self.catalog.text(b.locale, b.key), "reply_markup": {"remove_keyboard": True}})]

    def _relayed_in(self, b: m.RelayedIn) -> list[Outgoing]:
        return self.relay.to_associate(b.member, b.associate, b.store, b.content, b.tags)

    def _relayed_out(self, b: m.RelayedOut) -> list[Outgoing]:
        return self.relay.to_member(self._member_locale(b.member), b.associate, b.store, b.content)

    def _copy_edited(self, b: m.CopyEdited) -> list[Outgoing]:
        assert b.copy.id is not None
        if b.inbound:
            edit = self.relay.edit_for_associate(b.member, b.associate, b.store, b.kind, b.text, b.copy.id, b.tags)
        else:
            edit = self.relay.edit_for_member(self._member_locale(b.member), b.associate, b.store, b.kind, b.text, b.copy.id)
        return [keep_buttons(edit, b.copy.params)]

    def _album_item_edited(self, b: m.AlbumItemEdited) -> list[Outgoing]:
        head = None
        if b.position == 0 and b.inbound:
            head = album_header(self.relay, b.member, b.associate, b.store, b.tags)
        elif b.position == 0:
            head = self.relay.persona(self._member_locale(b.member), b.associate, b.store)
        return [Outgoing("editMessageCaption", {"message_id": {"outbox_id": b.copy_id, "item": b.position},
                                                "caption": item_caption(head, b.caption), "parse_mode": "HTML"})]

    def _album(self, b: m.AlbumRelayed) -> list[Outgoing]:
        if b.inbound:
            return album_for_associate(self.relay, b.member, b.associate, b.store, b.items, b.tags)
        return album_for_member(self.relay, self._member_locale(b.member), b.associate, b.store, b.items)

    def _auto_reply(self, b: m.AutoReplied) -> list[Outgoing]:
        reply = b.reply
        return [AvailabilityRenderer(self.catalog).auto_reply(b.locale, reply.associate, reply.store, reply.presence, b.now)]

    def _no_associate(self, b: m.NoAssociateHere) -> list[Outgoing]:
        return [ControlsRenderer(self.catalog, self.brand).no_associate(b.locale, self.catalog.text(b.locale, "relay.no_associate"))]

    def _history(self, b: m.History) -> list[Outgoing]:
        return [self.relay.history(b.locale, b.member, b.messages, dict(b.names))]

    def _claim_first(self, b: m.ClaimFirstNotice) -> list[Outgoing]:
        views = AvailabilityRenderer(self.catalog)
        body = views.refusal(b.locale, Refusal.TAKEN, None, b.claimer) if b.claimer is not None else views.claim_first(b.locale)
        return [text(body)]

    def _answered(self, b: m.EscalationAnswered) -> list[Outgoing]:
        return [AvailabilityRenderer(self.catalog).answered(b.owner.locale, b.member, b.by, b.content.text, b.content.kind)]

    def _card_closed(self, b: m.CardClosed) -> list[Outgoing]:
        said = AvailabilityRenderer(self.catalog).closed(b.teammate.locale, b.member, b.owner)
        return [card_edit(b.card_id, said)]

    def _card_taken(self, b: m.CardTaken) -> list[Outgoing]:
        return [card_edit(b.card_id, AvailabilityRenderer(self.catalog).taken(b.teammate.locale, b.member, b.claimer))]

    def _card_claimed(self, b: m.CardClaimed) -> list[Outgoing]:
        said = AvailabilityRenderer(self.catalog).claimed(b.locale, b.member)
        return [Outgoing("editMessageText", {"message_id": b.message_id, "text": fit(said, TEXT_LIMIT), "parse_mode": "HTML"})]

    def _standing(self, b: m.StandingLine) -> list[Outgoing]:
        return [text(standing_text(self.catalog, b.locale, b.board, b.associate_id))]

    def _picture(self, b: m.PictureShown) -> list[Outgoing]:
        return [Outgoing("sendPhoto", {"photo": {"blob_id": b.blob_id}, "caption": fit(b.caption, lengths.CAPTION),
                                       "parse_mode": "HTML"})]

    def _not_delivered(self, b: m.NotDelivered) -> list[Outgoing]:
        return [ChatsRenderer(self.catalog, self.brand).undelivered(b.notice, b.default_locale)]

    def _tag(self, b: m.TagAnswered) -> list[Outgoing]:
        return [WorkspaceRenderer(self.catalog, self.brand).tag_answer(b.locale, b.member, b.result, added=b.added, again=b.again)]

    def _note(self, b: m.NoteAnswered) -> list[Outgoing]:
        return [WorkspaceRenderer(self.catalog, self.brand).note_answer(b.locale, b.result, again=b.again)]

    def _tags_and_notes(self, b: m.TagsAndNotesShown) -> list[Outgoing]:
        return [WorkspaceRenderer(self.catalog, self.brand).tags_and_notes(b.locale, b.view)]


def card_edit(card_outbox_id: int, said: str) -> Outgoing:
    """A Claim card, edited in place (named by the outbox row that delivered it)."""
    return Outgoing("editMessageText", {"message_id": {"outbox_id": card_outbox_id}, "text": fit(said, TEXT_LIMIT),
                                        "parse_mode": "HTML"})


def keep_buttons(edit: Outgoing, copy_params: dict[str, Any]) -> Outgoing:
    """An edit without reply_markup removes a message's inline keyboard: an edited copy
    keeps the buttons it was delivered with (and gets none if it had none, as album items)."""
    markup = copy_params.get("reply_markup")
    if not markup or "reply_markup" in edit.params:
        return edit
    return Outgoing(edit.method, {**edit.params, "reply_markup": markup})
