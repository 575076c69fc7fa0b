"""What people read, word for word where it used to be wrong: the member card's tier, and
spacing between Latin names and Chinese text."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta

import pytest

from bot.interface.i18n import Catalog
from bot.interface.render.availability import AvailabilityRenderer
from bot.interface.render.member import MemberRenderer
from commerce.availability import Away, OffHours
from commerce.membership import MemberCard
from commerce.people import Associate, Brand, Member, Store

CATALOG = Catalog.load()
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def card(tier: str | None) -> MemberCard:
    member = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, tier=tier, id=3)
    return MemberCard(member, Store(brand_id=1, code="SH1", name="Xintiandi", id=1),
                      Associate(store_id=1, display_name="Bob", short_code="BOB123", id=2), [])


@pytest.mark.parametrize(("locale", "gold", "none"), [("en", "Tier: Gold", "Tier: none yet"), ("zh-Hans", "会员等级：Gold", "会员等级：暂无")])
def test_the_member_card_shows_the_tier(locale: str, gold: str, none: str) -> None:
    views = MemberRenderer(CATALOG, Brand(name="Maison", id=1))

    assert gold in views.card(card("Gold"), locale).params["text"]
    assert none in views.card(card(None), locale).params["text"]


NAMES = {"store", "associate", "name", "previous", "member", "current", "candidate", "current_store", "candidate_store",
         "claimer", "owner", "writer", "brand"}
HAN = "[\u4e00-\u9fff]"


def test_chinese_texts_keep_a_space_between_a_latin_name_and_chinese() -> None:
    """Names are often Latin ("Bob", "Maison"): run into Chinese they read as one word."""
    crowded = []
    for key, template in CATALOG.messages["zh-Hans"].items():
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        shown = re.sub(r"<[^>]+>", "", template.format(**{f: "Bob" if f in NAMES else "" for f in fields}))
        if re.search(f"{HAN}Bob|Bob{HAN}", shown):
            crowded.append(f"{key}: {shown}")
    assert crowded == []


# --- the away reply's time zone and the escalation's waiting time -----------------------------

AVAILABILITY = AvailabilityRenderer(CATALOG)
KOLKATA = Store(brand_id=1, code="DL1", name="Delhi", timezone="Asia/Kolkata", id=5)
BOB = Associate(store_id=5, display_name="Bob", short_code="BOB123", id=2)


def test_the_away_reply_names_the_stores_time_zone() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 11:30 in Delhi
    away = AVAILABILITY.auto_reply("en", BOB, KOLKATA, Away(until=now + timedelta(hours=2), note=None), now)
    off = AVAILABILITY.auto_reply("zh-Hans", BOB, KOLKATA, OffHours(back_at=now + timedelta(days=1)), now)

    assert away.params["text"].startswith("Bob is away until today 13:30 (UTC+5:30).")
    assert "将于明天 11:30（UTC+5:30）回来" in off.params["text"]


@pytest.mark.parametrize(("waited", "said"), [
    (timedelta(minutes=3, seconds=50), "4 min"),  # the job runs once a minute: nearly 4 is not "3"
    (timedelta(minutes=3, seconds=20), "3 min"),
    (timedelta(seconds=10), "1 min"),
    (timedelta(hours=1, minutes=59, seconds=45), "2 h 0 min"),
    (timedelta(days=1, hours=11, minutes=40), "1 d 12 h"),
])
def test_a_wait_is_rounded_to_the_nearest_unit_not_cut_short(waited: timedelta, said: str) -> None:
    clock_then = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    clock_now = clock_then + waited  # as the escalation job's injected clock reads it
    member = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, id=3)

    note = AVAILABILITY.owner_note("en", member, KOLKATA, clock_now - clock_then, alone=True)

    assert note.params["text"].startswith(f"⏰ Alice has been waiting {said} for your answer")
