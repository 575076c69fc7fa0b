"""Whom the staff bot can write to: only an active associate whose account has opened it.
Telegram refuses a bot's first message to anyone else, so neither an escalation card nor
a member's switch may count on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.interface.i18n import Catalog
from bot.interface.render.availability import NAMES_SHOWN, AvailabilityRenderer
from commerce.member_controls import may_switch_to, switch_team
from commerce.people import Associate, AssociateStatus, Member, Store

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STORE = Store(brand_id=1, code="SH1", name="Xintiandi <1>", id=1)


def associate(id_: int, *, opened: datetime | None = OPENED, telegram: int | None = 100,
              status: AssociateStatus = AssociateStatus.ACTIVE, name: str = "") -> Associate:
    return Associate(store_id=1, display_name=name or f"A{id_}", short_code=f"S{id_}", status=status,
                     telegram_user_id=telegram and telegram + id_, staff_bot_since=opened, id=id_)


def test_only_an_active_associate_whose_account_opened_the_staff_bot_is_reachable() -> None:
    assert associate(1).reachable
    assert not associate(1, opened=None).reachable, "bound by a brand file, never opened the bot"
    assert not associate(1, telegram=None).reachable
    assert not associate(1, status=AssociateStatus.DEACTIVATED).reachable


def test_a_member_is_neither_offered_nor_moved_to_an_associate_who_never_opened_the_staff_bot() -> None:
    team = [associate(1), associate(2, opened=None), associate(3)]

    assert [a.id for a in switch_team(team, current=team[0])] == [3]
    assert not may_switch_to(team[1], STORE)
    assert may_switch_to(team[2], STORE)


def test_the_owner_is_told_honestly_who_could_not_be_asked_and_names_are_escaped() -> None:
    view = AvailabilityRenderer(Catalog.load())
    alice = Member(brand_id=1, telegram_user_id=21, first_name="Alice", enrolled_at=OPENED, id=5)
    missed = [associate(n, opened=None, name=f"Max<{n}>") for n in range(2, 4 + NAMES_SHOWN)]

    alone = view.owner_note("en", alice, STORE, timedelta(minutes=45), alone=True).params["text"]
    named = view.owner_note("en", alice, STORE, timedelta(minutes=45), alone=True, missed=missed[:2]).params["text"]
    many = view.owner_note("zh-Hans", alice, STORE, timedelta(minutes=45), alone=True, missed=missed).params["text"]
    asked = view.owner_note("en", alice, STORE, timedelta(minutes=45), missed=missed[:1]).params["text"]

    assert alone == ("⏰ Alice has been waiting 45 min for your answer, and nobody else at Xintiandi &lt;1&gt; can take it."
                     " Please reply when you can.")
    assert named == ("⏰ Alice has been waiting 45 min for your answer. Nobody else at Xintiandi &lt;1&gt; could be asked:"
                     " Max&lt;2&gt;, Max&lt;3&gt; must open this bot first (send it /start) to get escalations."
                     " Please reply when you can.")
    assert "Max&lt;11&gt;, 另外 2 人 需要先打开本机器人" in many and "Max&lt;12&gt;" not in many
    assert "asked the Xintiandi &lt;1&gt; team" in asked
