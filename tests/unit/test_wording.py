"""What people read, word for word where it used to be wrong: the member card's tier, and
spacing between Latin names and Chinese text."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest

from bot.i18n import Catalog
from bot.render_member import MemberRenderer
from commerce.consent import MemberCard
from commerce.model import Associate, Brand, Member, Store

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
