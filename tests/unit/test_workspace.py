"""The workspace's pure decisions: what a tag, a tier and a note may be, how /members words
parse, when a focus expires, who owns a member, what fits in callback data, and that the
header and the card show people's text as written (escaped), never as markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.interface.callbacks import CALLBACK_LIMIT, MemberAction, MembersPage, RemoveTag
from bot.interface.i18n import Catalog
from bot.interface.render.base import TEXT_LIMIT
from bot.interface.render.relay import plain
from bot.interface.render.workspace import WorkspaceRenderer, relay_header
from commerce.workspace_values import (
    FOCUS_IDLE,
    TAG_LIMIT,
    TAGS_PER_MEMBER,
    TIER_LIMIT,
    BadFilter,
    Focus,
    FocusMode,
    MemberFilter,
    MemberSummary,
    MessageStats,
    filter_digest,
    normalise_note,
    normalise_tag,
    normalise_tier,
    parse_filter,
)
from commerce.people import Associate, AssociateStatus, Brand, Link, Member, Store
from commerce.workspace import (
    PAGE_SIZE,
    TAGS_PER_COMMAND,
    BadTag,
    Profile,
    TooManyNamed,
    TooManyTags,
    apply_tag,
    named_tags,
)
from commerce.workspace import MemberListPage
from commerce.access import owns as owned

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
CATALOG = Catalog.load()


@pytest.mark.parametrize(("raw", "tag"), [
    ("VIP", "vip"), ("#vip", "vip"), ("  Gift-Idea ", "gift-idea"), ("size_38", "size_38"), ("礼品", "礼品"),
    ("ＶＩＰ", "vip"), ("a" * 24, "a" * 24),
    ("", None), ("#", None), ("two words", None), ("vip!", None), ("<b>", None), ("a" * 25, None), ("v:ip", None),
])
def test_a_tag_is_one_lower_case_word_of_letters_digits_dashes_and_underscores(raw: str, tag: str | None) -> None:
    assert normalise_tag(raw) == tag


def test_tiers_keep_their_case_and_notes_their_lines_within_limits() -> None:
    assert normalise_tier("  Platinum   Elite ") == "Platinum Elite"
    assert normalise_tier("黑卡") == "黑卡"
    assert normalise_tier("<b>Gold</b>") is None and normalise_tier(" ") is None and normalise_tier("x" * 25) is None
    assert normalise_note("  size 38\nnavy  ") == "size 38\nnavy"
    assert normalise_note("   ") is None and normalise_note("x" * 1001) is None and normalise_note("x" * 1000) == "x" * 1000


def test_adding_a_tag_is_refused_when_it_is_not_a_tag_or_the_member_has_too_many() -> None:
    full = [f"t{n}" for n in range(TAGS_PER_MEMBER)]
    assert apply_tag(["vip"], "#Bags") == "bags"
    assert apply_tag(["vip"], "VIP") is None, "already there: nothing to add"
    assert isinstance(apply_tag([], "not a tag"), BadTag)
    assert isinstance(apply_tag(full, "one-more"), TooManyTags)
    assert apply_tag(full, "t0") is None, "a tag the member has is never refused"


def test_a_tag_command_names_each_tag_once_and_no_more_than_a_members_set_and_a_few() -> None:
    assert named_tags("VIP #vip vip Bags") == ["VIP", "Bags"], "the first spelling of each tag"
    assert named_tags(" ".join(["vip"] * 500)) == ["vip"], "repeats are one tag"
    most = " ".join(f"t{n}" for n in range(TAGS_PER_COMMAND))
    assert len(named_tags(most)) == TAGS_PER_COMMAND and TAGS_PER_MEMBER < TAGS_PER_COMMAND <= TAGS_PER_MEMBER + 4
    assert named_tags(f"{most} one-more") == TooManyNamed(TAGS_PER_COMMAND + 1)
    assert named_tags(" ".join(f"w{n:03d}" for n in range(600))) == TooManyNamed(600)


@pytest.mark.parametrize(("words", "parsed"), [
    ([], MemberFilter()),
    (["tag:VIP", "tier:gold", "unread", "quiet:30"], MemberFilter("vip", "gold", True, 30)),
    (["QUIET:7", "Unread"], MemberFilter(None, None, True, 7)),
    (["tier:Platinum"], MemberFilter(None, "Platinum")),
])
def test_members_filters_parse_in_any_order_and_case(words: list[str], parsed: MemberFilter) -> None:
    assert parse_filter(words) == parsed


@pytest.mark.parametrize("word", ["vip", "tag:", "tag:two words!", "quiet:0", "quiet:-3", "quiet:abc", "quiet:99999", "unread:yes",
                                  "tier:<b>", "since:3"])
def test_a_word_that_is_not_a_filter_is_named_back(word: str) -> None:
    assert parse_filter(["unread", word]) == BadFilter(word)


def test_a_filter_given_twice_is_refused_and_words_round_trip() -> None:
    assert parse_filter(["tag:a", "tag:b"]) == BadFilter("tag:b")
    where = MemberFilter("vip", "Gold", True, 30)
    assert where.words() == "tag:vip tier:Gold unread quiet:30"
    assert parse_filter(where.words().split()) == where
    assert filter_digest(where.words()) != filter_digest("tag:vip") and len(filter_digest("")) == 8


def test_a_focus_lives_thirty_idle_minutes() -> None:
    focus = Focus(associate_id=1, member_id=2, mode=FocusMode.WRITE, since=T0)
    assert focus.alive(T0 + FOCUS_IDLE - timedelta(seconds=1))
    assert not focus.alive(T0 + FOCUS_IDLE)


def test_a_member_is_owned_only_through_the_current_link_of_an_active_associate() -> None:
    bob = Associate(store_id=1, display_name="Bob", short_code="BOB1", id=2)
    gone = Associate(store_id=1, display_name="Bob", short_code="BOB1", id=2, status=AssociateStatus.DEACTIVATED)
    link = Link(member_id=3, associate_id=2, started_at=T0)
    assert owned(bob, link)
    assert not owned(bob, None)
    assert not owned(bob, Link(member_id=3, associate_id=9, started_at=T0))
    assert not owned(gone, link)


def test_callback_data_fits_telegrams_64_bytes_and_forged_data_does_not_unpack() -> None:
    biggest = [MemberAction("addnote", 10**17), RemoveTag(10**17, 10**17), MembersPage(10_000, "ffffffff")]
    assert all(len(data.pack().encode()) <= CALLBACK_LIMIT for data in biggest)
    assert MemberAction.unpack(MemberAction("write", 42).pack()) == MemberAction("write", 42)
    assert RemoveTag.unpack("mt:1:2") == RemoveTag(1, 2)
    assert MemberAction.unpack("mw:profile:-1") is None and MemberAction.unpack("mw:profile") is None
    assert RemoveTag.unpack("mt:1:x") is None and MembersPage.unpack("ml:1") is None


def test_the_header_escapes_names_tiers_and_tags_and_leaves_out_what_is_unset() -> None:
    store = Store(brand_id=1, code="SH1", name="Xintiandi & Co")
    plain = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, id=3)
    rich = Member(brand_id=1, telegram_user_id=7, first_name="<b>Al</b>", last_name="Chen", enrolled_at=T0, tier="Gold", id=3)

    assert relay_header(CATALOG, "en", plain, store, []) == "💬 <b>Alice</b> · Xintiandi &amp; Co"
    assert relay_header(CATALOG, "en", rich, store, ["vip", "bags"]) == "💬 <b>&lt;b&gt;Al&lt;/b&gt; Chen</b> · Gold · Xintiandi &amp; Co · #vip #bags"


def test_the_card_never_shows_the_phone_number_and_escapes_what_people_wrote() -> None:
    member = Member(brand_id=1, telegram_user_id=7, first_name="Zoë <i>", username="zoe", enrolled_at=T0, id=3,
                    phone="+8613800000000", tier="A&B", consent_marketing=False)
    bob = Associate(store_id=1, display_name="Bob", short_code="BOB1", id=2)
    view = Profile(member, Store(brand_id=1, code="S", name="Store"), bob, ["vip"], [], MessageStats(0, None))
    card = WorkspaceRenderer(CATALOG, Brand(name="B")).card("en", view)
    body = card.params["text"]

    assert "13800000000" not in body and "Phone on file: yes" in body
    assert body.startswith("👤 <b>Zoë &lt;i&gt;</b> @zoe") and "Tier: A&amp;B" in body
    assert "Chat: on · Offers: off" in body and "Last contact: none yet" in body and "No notes yet." in body


def test_a_members_page_of_the_longest_names_tiers_and_tags_fits_one_telegram_message() -> None:
    tags = tuple(f"{n:02d}" + "t" * (TAG_LIMIT - 2) for n in range(TAGS_PER_MEMBER))
    rows = [MemberSummary(Member(brand_id=1, telegram_user_id=n, first_name="F" * 64, last_name="L" * 64, enrolled_at=T0,
                                 tier="T" * TIER_LIMIT, id=10**17 + n), tags, 9999, T0) for n in range(PAGE_SIZE)]
    where = MemberFilter(tag=tags[0], tier="T" * TIER_LIMIT, unread=True, quiet_days=3650)
    page = WorkspaceRenderer(CATALOG, Brand(name="B")).members("en", MemberListPage(where, 9999, rows, True), "ffffffff")
    body = page.params["text"]

    assert len(plain(body)) <= TEXT_LIMIT
    assert f"#{tags[0]}" in body and body.count("F" * 64) == PAGE_SIZE, "every member is listed, with tags as far as they fit"
