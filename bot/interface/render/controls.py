"""Messages of the member controls (/switch, /stopchat) for the member and both associates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.interface.callbacks import (
    AskStopChat,
    ChooseAssociate,
    OpenChat,
    StopChat,
    SwitchTo,
)
from bot.interface.i18n import Catalog, locale_for
from bot.interface.render.base import Outgoing, button, text
from bot.interface.render.relay import full_name
from commerce.member_controls import Choices, Moved
from commerce.people import Associate, Brand, Member

PICKER_LIMIT = 30  # buttons in one list; a store's team is rarely larger


@dataclass(frozen=True, slots=True)
class ControlsRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    # --- the member -------------------------------------------------------------------

    def card_buttons(self, locale: str, linked: bool) -> list[list[dict[str, str]]]:
        """The /me card's rows for these controls."""
        if not linked:
            return [[button(self.t(locale, "controls.choose_button"), ChooseAssociate())]]
        return [[button(self.t(locale, "controls.switch_button"), ChooseAssociate())],
                [button(self.t(locale, "controls.stop_button"), AskStopChat())]]

    def no_associate(self, locale: str, body: str) -> Outgoing:
        """The relay's "no associate" answer, with the way back one tap away."""
        return text(body, buttons=[[button(self.t(locale, "controls.choose_button"), ChooseAssociate())]])

    def choices(self, locale: str, choices: Choices) -> Outgoing:
        store = choices.store.name
        if not choices.team:
            if choices.current is not None:
                return text(self.t(locale, "controls.nobody_else", store=store, associate=choices.current.display_name))
            return text(self.t(locale, "controls.nobody", store=store))
        if choices.current is not None:
            body = self.t(locale, "controls.pick", store=store, associate=choices.current.display_name)
        else:
            body = self.t(locale, "controls.pick_unlinked", store=store)
        return text(body, buttons=[[button(a.display_name, SwitchTo(a.id))] for a in choices.team[:PICKER_LIMIT]])  # type: ignore[arg-type]

    def moved(self, locale: str, moved: Moved) -> Outgoing:
        return text(self.t(locale, "controls.switched", associate=moved.associate.display_name, store=moved.store.name))

    def ask_stop(self, locale: str, associate: Associate) -> Outgoing:
        return text(self.t(locale, "controls.stop_ask", associate=associate.display_name), buttons=[
            [button(self.t(locale, "controls.stop_yes"), StopChat(True))],
            [button(self.t(locale, "controls.stop_no"), StopChat(False))],
        ])

    # --- the associates -----------------------------------------------------------------

    def moved_out(self, previous: Associate, moved: Moved) -> Outgoing:
        """To the associate the member left: no more messages from them."""
        return text(self.t(previous.locale, "controls.notice_moved_out", member=full_name(moved.member),
                           associate=moved.associate.display_name))

    def moved_in(self, moved: Moved) -> Outgoing:
        """To the associate the member chose: who they are, and their whole conversation a tap away."""
        recipient, member = moved.associate, moved.member
        details = {"member": full_name(member), "username": f" (@{member.username})" if member.username else "",
                   "language": locale_for(member.language_code, self.brand.default_locale), "store": moved.store.name}
        if moved.previous is not None:
            body = self.t(recipient.locale, "controls.notice_moved_in", previous=moved.previous.display_name, **details)
        else:
            body = self.t(recipient.locale, "controls.notice_came_back", **details)
        assert member.id is not None
        return text(body, buttons=[[button(self.t(recipient.locale, "controls.open_chat_button"), OpenChat(member.id))]])

    def stopped(self, associate: Associate, member: Member) -> Outgoing:
        return text(self.t(associate.locale, "controls.notice_stopped", member=full_name(member)))
