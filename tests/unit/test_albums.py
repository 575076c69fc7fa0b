"""Albums (commerce/albums.py, bot/runtime/albums.py) and member controls (commerce/member_controls.py):
the decisions made from values — when an album is complete, how it is cut into media
groups, what each item's caption says, and whom a member may switch to."""

from datetime import UTC, datetime, timedelta

from bot.runtime.albums import album_for_associate, album_for_member, item_caption
from bot.interface.i18n import Catalog
from bot.interface.render.relay import CAPTION_LIMIT, RelayRenderer
from commerce.albums import AlbumItem, media_groups, quiet_since
from commerce.member_controls import may_switch_to, switch_team
from commerce.bots import BotKind
from commerce.conversations import MessageKind
from commerce.people import Associate, AssociateStatus, Brand, Member, Store

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
QUIET = timedelta(seconds=1)


def item(source: int, kind: MessageKind = MessageKind.PHOTO, caption: str | None = None) -> AlbumItem:
    return AlbumItem(bot=BotKind.CONSUMER, chat_id=7, member_id=1, media_group_id="g", source_message_id=source, kind=kind,
                     file_id=f"file{source}", received_at=T0, conversation_message_id=100 + source, caption=caption)


# --- when an album is complete --------------------------------------------------------


def test_an_album_is_complete_only_after_a_full_quiet_time_without_a_new_item():
    assert not quiet_since(T0, T0 + timedelta(milliseconds=999), QUIET)
    assert quiet_since(T0, T0 + QUIET, QUIET)


# --- media groups -----------------------------------------------------------------------


def test_items_are_relayed_in_the_order_sent_whatever_order_they_arrived_in():
    parts = media_groups([item(3), item(1), item(2, MessageKind.VIDEO)])

    assert [[i.source_message_id for i in part] for part in parts] == [[1, 2, 3]]


def test_documents_are_never_grouped_with_photos_and_a_lone_item_stays_a_single_message():
    parts = media_groups([item(1), item(2), item(3, MessageKind.DOCUMENT)])

    assert [[i.kind for i in part] for part in parts] == [[MessageKind.PHOTO] * 2, [MessageKind.DOCUMENT]]


def test_more_than_ten_items_make_a_second_group():
    parts = media_groups([item(n) for n in range(1, 13)])

    assert [len(part) for part in parts] == [10, 2]


# --- captions ---------------------------------------------------------------------------


def test_the_header_leads_the_first_caption_and_the_members_words_are_escaped():
    assert item_caption("💬 <b>Alice</b>", "<i>this</i> & that") == "💬 <b>Alice</b>\n&lt;i&gt;this&lt;/i&gt; &amp; that"
    assert item_caption(None, "plain") == "plain"
    assert item_caption(None, None) == "" and item_caption("<b>H</b>", None) == "<b>H</b>"


def test_a_long_caption_is_shortened_to_telegrams_limit_counting_the_headers_visible_text():
    caption = item_caption("<b>Alice</b> · Store", "x" * 2000)

    visible = caption.replace("<b>", "").replace("</b>", "")
    assert len(visible) == CAPTION_LIMIT and visible.endswith("…")


def test_an_album_becomes_one_media_group_with_the_header_only_on_its_first_item():
    views = RelayRenderer(Catalog.load(), Brand(name="Maison", id=1))
    member = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, id=1)
    bob = Associate(store_id=1, display_name="Bob", short_code="B", telegram_user_id=9, id=2)
    store = Store(brand_id=1, code="S", name="Xintiandi", id=1)

    album, *after = album_for_associate(views, member, bob, store, [item(1, caption="which?"), item(2, caption="or this")])
    single, *_ = album_for_associate(views, member, bob, store, [item(1, caption="which?")])

    assert album.method == "sendMediaGroup" and "reply_markup" not in album.params
    first, second = album.params["media"]
    assert first["caption"] == single.params["caption"] and first["caption"].endswith("\nwhich?")
    assert "Alice" in first["caption"] and "Xintiandi" in first["caption"] and second["caption"] == "or this"
    assert first["media"] == {"from_bot": "consumer", "file_id": "file1"}
    assert single.method == "sendPhoto"
    # A media group cannot carry buttons: the relayed copy's buttons follow in a message of their own.
    assert [m.params.get("reply_markup") for m in after] == ([single.params["reply_markup"]] if "reply_markup" in single.params else [])


def test_an_associates_album_reaches_the_member_as_one_group_under_the_persona_without_buttons():
    views = RelayRenderer(Catalog.load(), Brand(name="Maison", id=1))
    bob = Associate(store_id=1, display_name="Bob <3", short_code="B", telegram_user_id=9, id=2)
    store = Store(brand_id=1, code="S", name="Xintiandi", id=1)
    sent = [AlbumItem(bot=BotKind.ASSOCIATE, chat_id=9, member_id=1, media_group_id="g", source_message_id=n, kind=MessageKind.PHOTO,
                      file_id=f"file{n}", received_at=T0, conversation_message_id=100 + n, caption=c) for n, c in ((1, "new in"), (2, None))]

    (album,) = album_for_member(views, "en", bob, store, sent)
    single, *_ = album_for_member(views, "en", bob, store, sent[:1])

    first, second = album.params["media"]
    assert album.method == "sendMediaGroup" and "reply_markup" not in album.params
    assert first["caption"] == "<b>Bob &lt;3 · Xintiandi</b>\nnew in" == single.params["caption"]
    assert "caption" not in second
    assert first["media"] == {"from_bot": "associate", "file_id": "file1"}
    assert single.method == "sendPhoto"


# --- member controls --------------------------------------------------------------------


def associate(id_: int, store_id: int = 1, *, status=AssociateStatus.ACTIVE, telegram: int | None = 100) -> Associate:
    return Associate(store_id=store_id, display_name=f"A{id_}", short_code=f"S{id_}", status=status,
                     telegram_user_id=telegram and telegram + id_, staff_bot_since=T0, id=id_)


def test_a_member_may_switch_only_to_an_active_signed_in_associate_of_their_own_store():
    store = Store(brand_id=1, code="S", name="S", id=1)

    assert may_switch_to(associate(2), store)
    assert not may_switch_to(associate(2, store_id=9), store)
    assert not may_switch_to(associate(2, status=AssociateStatus.DEACTIVATED), store)
    assert not may_switch_to(associate(2, telegram=None), store)
    assert not may_switch_to(None, store) and not may_switch_to(associate(2), None)


def test_the_switch_list_leaves_out_the_current_associate_and_those_who_cannot_answer():
    team = [associate(1), associate(2), associate(3, status=AssociateStatus.DEACTIVATED), associate(4, telegram=None)]

    assert [a.id for a in switch_team(team, current=team[0])] == [2]
    assert [a.id for a in switch_team(team, current=None)] == [1, 2]
