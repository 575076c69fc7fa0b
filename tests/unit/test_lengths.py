"""Whatever people write, and whatever their names, tags and store names are, a relayed copy
fits Telegram's limits as Telegram counts them: UTF-16 code units of the text left after
its HTML is parsed. The parser used to measure is the sandbox's, which stands for Telegram
(tests/sandbox check it counts the way Telegram does), not the renderer's own idea of it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.runtime.albums import item_caption
from bot.interface.i18n import Catalog
from bot.interface.render.base import fit, text
from bot.interface.render.relay import Content, RelayRenderer
from bot.sandbox.formatting import parse
from commerce import lengths
from commerce.lengths import ELLIPSIS, shorten, units
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, Brand, Member, Store

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
CATALOG = Catalog.load()
VIEWS = RelayRenderer(CATALOG, Brand(name="Maison", id=1))
# Clusters people type, where code points, UTF-16 units and what a reader sees all differ.
CLUSTERS = ["😀", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👍🏽", "🇫🇷", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
            "e\u0301", "ก\u0e49", "\u200f", "\u202e", "שלום", "مرحبا", "\x00", "&", "<b>", "&amp;", "\U0001d400", "𠀀", "中文"]
PIECE = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(CLUSTERS))
WORDS = st.lists(PIECE, max_size=40).map("".join)
# Up to and well beyond the limits: a run of pieces repeated, or a plain random text.
LONG = st.one_of(WORDS, st.builds(lambda piece, n: piece * n, WORDS.filter(bool), st.integers(1, 5000)))
NAME = st.one_of(WORDS, st.builds(lambda piece, n: piece * n, WORDS.filter(bool), st.integers(1, 400)))
MANY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shown(markup: str) -> str:
    """The text Telegram keeps from our HTML (the parse refuses markup it cannot read)."""
    return parse(markup, "HTML", None).text


def no_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-16-le")
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def people(draw):
    member = Member(brand_id=1, telegram_user_id=7, first_name=draw(NAME) or "A", last_name=draw(NAME) or None,
                    tier=draw(NAME) or None, enrolled_at=T0, id=1)
    associate = Associate(store_id=1, display_name=draw(NAME) or "B", short_code="B", telegram_user_id=9, id=2,
                          locale=draw(st.sampled_from(["en", "zh-Hans"])))
    store = Store(brand_id=1, code="S", name=draw(NAME) or "S", id=1)
    tags = draw(st.lists(NAME, max_size=12))
    return member, associate, store, tags


@given(LONG, st.integers(0, 5000))
@MANY
def test_shorten_fits_the_limit_in_utf16_units_and_shows_the_cut(value: str, limit: int) -> None:
    out = shorten(value, limit)

    assert units(out) <= limit and no_lone_surrogate(out)
    if units(value) <= limit:
        assert out == value
    else:
        assert limit == 0 or (out.endswith(ELLIPSIS) and value.startswith(out[:-1]))


@given(st.lists(st.sampled_from(CLUSTERS[:8]), min_size=1, max_size=60), st.integers(1, 200))
@MANY
def test_shorten_never_splits_an_emoji_sequence_a_flag_or_an_accent(clusters: list[str], limit: int) -> None:
    value = "".join(clusters)
    out = shorten(value, limit)

    if out != value:
        kept = out[:-1]
        boundaries = {sum(len(c) for c in clusters[:n]) for n in range(len(clusters) + 1)}
        assert len(kept) in boundaries


def test_an_astral_text_that_just_fits_is_kept_and_one_unit_more_is_cut() -> None:
    assert shorten("😀" * 2048, lengths.TEXT) == "😀" * 2048
    assert shorten("😀" * 2048 + "x", lengths.TEXT) == "😀" * 2047 + ELLIPSIS
    assert shorten("x" + "😀" * 2048, lengths.TEXT) == "x" + "😀" * 2047 + ELLIPSIS  # 4095 + 1


@given(people(), LONG)
@MANY
def test_a_members_text_or_caption_relayed_to_the_associate_fits(who, body: str) -> None:
    member, associate, store, tags = who

    [message] = VIEWS.to_associate(member, associate, store, Content(MessageKind.TEXT, body), tags)
    [photo] = VIEWS.to_associate(member, associate, store, Content(MessageKind.PHOTO, body, file_id="f"), tags)

    assert_fits(message.params["text"], lengths.TEXT, body)
    assert_fits(photo.params["caption"], lengths.CAPTION, body)


@given(people(), LONG)
@MANY
def test_an_associates_reply_relayed_to_the_member_fits(who, body: str) -> None:
    _, associate, store, _ = who

    [message] = VIEWS.to_member("en", associate, store, Content(MessageKind.TEXT, body))
    [video] = VIEWS.to_member("zh-Hans", associate, store, Content(MessageKind.VIDEO, body, file_id="f"))

    assert_fits(message.params["text"], lengths.TEXT, body)
    assert_fits(video.params["caption"], lengths.CAPTION, body)


@given(people(), LONG)
@MANY
def test_edits_of_relayed_texts_and_captions_fit(who, body: str) -> None:
    member, associate, store, tags = who

    text_edit = VIEWS.edit_for_associate(member, associate, store, MessageKind.TEXT, body, 1, tags)
    caption_edit = VIEWS.edit_for_member("en", associate, store, MessageKind.DOCUMENT, body, 1)

    assert text_edit.method == "editMessageText" and caption_edit.method == "editMessageCaption"
    assert_fits(text_edit.params["text"], lengths.TEXT, body)
    assert_fits(caption_edit.params["caption"], lengths.CAPTION, body)


@given(people(), LONG, LONG)
@MANY
def test_album_captions_and_the_history_listing_fit(who, first: str, second: str) -> None:
    member, associate, store, tags = who
    head = VIEWS.header(member, associate, store, tags)
    said = [ConversationMessage(member_id=1, associate_id=2, direction=d, kind=MessageKind.TEXT, created_at=T0, text=t, id=n)
            for n, (d, t) in enumerate([(Direction.IN, first), (Direction.OUT, second)] * 10)]

    assert_fits(item_caption(head, first), lengths.CAPTION)
    assert_fits(item_caption(None, second), lengths.CAPTION)
    assert_fits(VIEWS.history(associate.locale, member, said, {2: associate.display_name}).params["text"], lengths.TEXT)


@given(LONG)
@MANY
def test_any_text_of_ours_fits_whatever_it_quotes(body: str) -> None:
    assert_fits(text(CATALOG.text("en", "chats.failed", member=body, text=body)).params["text"], lengths.TEXT)
    assert_fits(fit(f"<b>{body.replace('<', '')}</b>" if "&" not in body else "<b>x</b>", 10), 10)


def assert_fits(markup: str, limit: int, body: str | None = None) -> None:
    seen = shown(markup)
    assert units(seen) <= limit, f"{units(seen)} units > {limit}"
    assert no_lone_surrogate(seen)
    if body is not None and units(body) > limit:
        assert seen.endswith(ELLIPSIS), "a shortened copy shows that it was cut"
