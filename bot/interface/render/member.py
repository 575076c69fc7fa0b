"""Messages of the enrollment flow and the member card, in the person's language."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.interface.callbacks import (
    ConsentChoice,
    PickAssociate,
    PickStore,
    ShowCard,
    SwitchChoice,
)
from bot.interface.i18n import Catalog, locale_for
from bot.interface.render.base import Outgoing, button, text
from bot.interface.render.controls import ControlsRenderer
from commerce.enrollment import (
    AssociateUnavailable,
    Enrolled,
    SwitchOffered,
    WelcomeBack,
)
from commerce.membership import MemberCard
from commerce.people import Associate, Brand, Member, Store
from commerce.rewards import Coupon


@dataclass(frozen=True, slots=True)
class MemberRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, brand=self.brand.name, **params)

    def _raw(self, locale: str, key: str) -> str:
        return (self.catalog.messages.get(locale) or self.catalog.messages["en"]).get(key, self.catalog.messages["en"][key])

    def date(self, moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(self.brand.timezone)).strftime("%Y-%m-%d")

    # --- the member's side ------------------------------------------------------------

    def welcome(self, result: Enrolled, locale: str) -> list[Outgoing]:
        """The associate's welcome, the reward, the marketing opt-out, then the optional phone."""
        template = result.associate.welcome_text or self.brand.welcome_text or self._raw(locale, "enroll.welcome_default")
        parts = [self.fill(template, member=result.member.first_name, associate=result.associate.display_name, store=result.store.name)]
        if result.coupon:
            parts.append(self.reward_line(result.coupon, locale, "enroll.reward"))
        parts.append(self.t(locale, "enroll.marketing_note"))
        buttons = [[button(self.t(locale, "enroll.no_marketing_button"), ConsentChoice("marketing", False))],
                   [button(self.t(locale, "enroll.my_membership_button"), ShowCard())]]
        phone = Outgoing("sendMessage", {
            "text": self.t(locale, "enroll.phone_prompt"),
            "parse_mode": "HTML",
            "reply_markup": {
                "keyboard": [[{"text": self.t(locale, "enroll.phone_button"), "request_contact": True}], [{"text": self.t(locale, "enroll.phone_skip")}]],
                "resize_keyboard": True,
                "one_time_keyboard": True,
            },
        })
        return [text("\n\n".join(parts), buttons=buttons), phone]

    def fill(self, template: str, **values: str) -> str:
        """An associate's own template is user text: escape it, then the values."""
        safe = {name: html.escape(value, quote=False) for name, value in values.items()} | {"brand": html.escape(self.brand.name, quote=False)}
        try:
            return html.escape(template, quote=False).format_map(safe)
        except (KeyError, ValueError, IndexError):  # stored before validation existed: show it as written
            return html.escape(template, quote=False)

    def reward_line(self, coupon: Coupon, locale: str, key: str = "member.reward_line") -> str:
        return self.t(locale, key, percent=coupon.percent_off, code=coupon.code, until=self.date(coupon.expires_at))

    def welcome_back(self, result: WelcomeBack, locale: str) -> Outgoing:
        key = "enroll.welcome_back_relinked" if result.relinked else "enroll.welcome_back"
        return text(self.t(locale, key, member=result.member.first_name, associate=result.associate.display_name, store=result.store.name))

    def switch_offer(self, result: SwitchOffered, locale: str) -> Outgoing:
        body = self.t(locale, "enroll.switch_offer", current=result.current.display_name, current_store=result.current_store.name,
                      candidate=result.candidate.display_name, candidate_store=result.candidate_store.name)
        candidate_id = result.candidate.id
        assert candidate_id is not None
        return text(body, buttons=[
            [button(self.t(locale, "enroll.keep_button", name=result.current.display_name), SwitchChoice(candidate_id, False))],
            [button(self.t(locale, "enroll.switch_button", name=result.candidate.display_name), SwitchChoice(candidate_id, True))],
        ])

    def unavailable(self, result: AssociateUnavailable, locale: str) -> Outgoing:
        if not result.team:
            return text(self.t(locale, "enroll.unavailable_no_team", associate=result.associate.display_name))
        return text(self.t(locale, "enroll.unavailable", associate=result.associate.display_name, store=result.store.name),
                    buttons=[[button(a.display_name, PickAssociate(a.id))] for a in result.team[:20]])  # type: ignore[arg-type]

    def ask_code(self, stores: list[Store], locale: str) -> Outgoing:
        if not stores:
            return text(self.t(locale, "enroll.no_stores"))
        return text(self.t(locale, "enroll.ask_code"), buttons=[[button(s.name, PickStore(s.id))] for s in stores[:30]])  # type: ignore[arg-type]

    def pick_associate(self, store: Store, team: list[Associate], locale: str) -> Outgoing:
        if not team:
            return text(self.t(locale, "enroll.no_associates", store=store.name))
        return text(self.t(locale, "enroll.pick_associate", store=store.name),
                    buttons=[[button(a.display_name, PickAssociate(a.id))] for a in team[:30]])  # type: ignore[arg-type]

    def card(self, card: MemberCard, locale: str) -> Outgoing:
        on, off = self.t(locale, "member.on"), self.t(locale, "member.off")
        rewards = "\n".join(self.reward_line(c, locale) for c in card.coupons) or self.t(locale, "member.no_rewards")
        body = self.t(
            locale, "member.card",
            since=self.date(card.member.enrolled_at),
            tier=card.member.tier or self.t(locale, "member.no_tier"),
            store=card.store.name if card.store else "—",
            associate=card.associate.display_name if card.associate else self.t(locale, "member.no_associate"),
            chat=on if card.member.consent_chat else off,
            marketing=on if card.member.consent_marketing else off,
            markup={"rewards": rewards},
        )
        m = card.member
        linked = card.associate is not None
        # Pausing is about the associate one has: without one, "choose an associate" resumes.
        pause = [[button(self.t(locale, "member.chat_off_button" if m.consent_chat else "member.chat_on_button"),
                          ConsentChoice("chat", not m.consent_chat))]] if linked else []
        return text(body, buttons=[
            [button(self.t(locale, "member.marketing_off_button" if m.consent_marketing else "member.marketing_on_button"),
                     ConsentChoice("marketing", not m.consent_marketing))],
            *pause,
            *ControlsRenderer(self.catalog, self.brand).card_buttons(locale, linked=linked),
        ])

    # --- the associate's side ---------------------------------------------------------

    def new_member_notice(self, result: Enrolled) -> Outgoing:
        locale = result.associate.locale
        member = result.member
        reward = result.coupon.code if result.coupon else self.t(locale, "associate_notice.no_reward")
        return text(self.t(
            locale, "associate_notice.new_member",
            member=" ".join(filter(None, [member.first_name, member.last_name])),
            username=f" (@{member.username})" if member.username else "",
            language=locale_for(member.language_code, self.brand.default_locale),
            store=result.store.name,
            reward=reward,
        ))

    def associate_notice(self, recipient: Associate, key: str, member: Member, **params: str) -> Outgoing:
        return text(self.t(recipient.locale, f"associate_notice.{key}", member=member.first_name, **params))
