"""The catalog's messages, rendered from values: every caption within Telegram's 1,024
UTF-16 units of the text as shown and every text within 4,096, whatever the brand named
its products (any script, emoji, markup characters, the longest names the columns hold)
and however many variants and stores there are; prices per tier and locale; buttons that
carry ids only, within 64 bytes; a search too long for its buttons shows its first page."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.interface.callbacks import registered
from bot.interface.i18n import Catalog
from bot.interface.render.base import plain
from bot.interface.render.catalog import CatalogRenderer, price_text
from commerce import lengths
from commerce.catalog import CatalogItem, MemberPrice, Product, Variant
from commerce.chats import ChatListPage
from commerce.people import Associate, Brand, Member, Store
from commerce.picks import LookbookSent, Recipients, StaffListing, StaffProduct
from commerce.shelf import (
    Listing,
    MemberCard,
    StaffCard,
    VariantStock,
    View,
    ViewKind,
    search_view,
)
from commerce.shop import Intent, ProductInterest, ShopListing

CATALOG = Catalog.load()
VIEWS = CatalogRenderer(CATALOG, Brand(name="Maison", id=1))
T0 = datetime(2026, 11, 23, tzinfo=UTC)
STORE = Store(brand_id=1, code="SH1", name="Shanghai Xintiandi", id=1)
BOB = Associate(store_id=1, display_name="Bob", short_code="B", telegram_user_id=7, id=3)
names = st.text(min_size=1, max_size=200)  # the product name column holds 200 characters


def item(name: str = "Cashmere scarf", *, description: str = "", variants: int = 2, size: str = "M", colour: str = "Navy",
         product_id: int = 2**31 - 1) -> CatalogItem:
    product = Product(brand_id=1, code="SC-101", name=name, category="Scarves", currency="CNY", description=description,
                      created_at=T0, updated_at=T0, id=product_id)
    kinds = tuple(Variant(brand_id=1, product_id=product_id, sku=f"SC-101-{n}", price_minor=128000 + n * 1000, size=size,
                          colour=colour, member_prices=(MemberPrice("Gold", 115000),), id=n + 1) for n in range(variants))
    return CatalogItem(product, kinds, (5,))


def member(tier: str | None = None, name: str = "Alice") -> Member:
    return Member(brand_id=1, telegram_user_id=11, first_name=name, enrolled_at=T0, tier=tier, id=2**31 - 1)


def shown(outgoing) -> str:
    return plain(outgoing.params.get("caption") or outgoing.params.get("text") or "")


def keyboard_data(outgoing) -> list[str]:
    rows = (outgoing.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]


def test_prices_are_per_tier_and_locale():
    scarf = item(variants=1)

    assert price_text(scarf, None, "en") == "CN¥1,280.00" and price_text(scarf, "gold", "en") == "CN¥1,150.00"
    assert price_text(scarf, "Platinum", "zh-Hans") == "¥1,280.00", "a tier without a member price pays the list price"
    assert price_text(item(variants=3), None, "en") == "CN¥1,280.00 – CN¥1,300.00"


@settings(max_examples=60, deadline=None)
@given(name=names, description=st.text(max_size=3000), extra=st.text(max_size=32), stores=st.integers(0, 30),
       variants=st.integers(1, 80), locale=st.sampled_from(["en", "zh-Hans"]))
def test_an_associates_card_fits_a_caption_whatever_the_catalog_holds(name, description, extra, stores, variants, locale):
    product = item(name, description=description, variants=variants, size=extra or "M", colour=extra + "😀" * 8)
    stock = [VariantStock(v, 3, [(f"{extra}Store {n} 🏬", n) for n in range(stores)]) for v in product.offered]
    card = VIEWS.staff_card(locale, StaffProduct(StaffCard(product, STORE, stock), member(name=name * 3)))

    assert card.method == "sendPhoto" and lengths.units(shown(card)) <= lengths.CAPTION
    assert all(len(data.encode()) <= lengths.CALLBACK_DATA for data in keyboard_data(card))
    assert name[:1] in shown(card) or lengths.units(name) > 500, "the name comes first and survives"


@settings(max_examples=60, deadline=None)
@given(name=names, description=st.text(max_size=3000), tier=st.none() | st.text(min_size=1, max_size=24),
       locale=st.sampled_from(["en", "zh-Hans"]))
def test_a_members_card_and_a_pick_fit_a_caption(name, description, tier, locale):
    card = MemberCard(item(name, description=description, variants=5, size=name[:32], colour=name[:64]), tier, STORE, True)
    browsed = VIEWS.member_card(locale, card)
    picked = VIEWS.member_card(locale, card, CATALOG.text(locale, "relay.persona", associate=name[:64], store=name))

    for outgoing in (browsed, picked):
        assert lengths.units(shown(outgoing)) <= lengths.CAPTION
        assert keyboard_data(outgoing) == [f"bu:{2**31 - 1}:0", f"ua:ask:{2**31 - 1}", f"bu:{2**31 - 1}:1"]


@settings(max_examples=40, deadline=None)
@given(name=names, locale=st.sampled_from(["en", "zh-Hans"]))
def test_a_lookbook_of_ten_long_names_fits_its_caption_and_names_every_piece_in_a_button(name, locale):
    items = [item(f"{name} {n}", product_id=n + 1) for n in range(10)]
    album, buttons = VIEWS.lookbook(locale, LookbookSent(member("Gold"), BOB, STORE, items), CATALOG.text(locale, "relay.persona",
                                                                                                       associate="Bob", store="X"))

    assert album.method == "sendMediaGroup" and len(album.params["media"]) == 10
    assert lengths.units(plain(album.params["media"][0]["caption"])) <= lengths.CAPTION
    assert all("caption" not in m for m in album.params["media"][1:])
    assert keyboard_data(buttons) == [f"up:{n + 1}" for n in range(10)]


@settings(max_examples=40, deadline=None)
@given(name=names, intent=st.sampled_from(list(Intent)), tags=st.lists(st.text(min_size=1, max_size=24), max_size=12))
def test_a_members_question_fits_a_message_with_the_product_named(name, intent, tags):
    said = VIEWS.interest(ProductInterest(member("Gold", name), BOB, STORE, item(name, variants=4, size=name[:32]), intent, tuple(tags)))

    assert lengths.units(shown(said)) <= lengths.TEXT
    assert "SC-101" in shown(said) and "CN¥1,150.00" in shown(said)


@settings(max_examples=60, deadline=None)
@given(query=st.text(max_size=300))
def test_any_search_renders_and_pages_only_when_its_words_fit_the_buttons(query):
    view = search_view(query)
    listing = Listing(view, 0, title=view.key, items=[item(product_id=n + 1) for n in range(8)], total=30)
    page = VIEWS.staff_listing("en", StaffListing(listing, member()))
    data = keyboard_data(page)

    assert all(len(d.encode()) <= lengths.CALLBACK_DATA and any(t.unpack(d) is not None for t in registered()) for d in data)
    if view.kind is ViewKind.SEARCH:
        assert any(d.startswith("kl:s:") for d in data) is listing.pageable
        assert lengths.units(shown(page)) <= lengths.TEXT


def test_the_home_lists_categories_with_counts_and_the_new_arrivals():
    listing = Listing(View(ViewKind.HOME), 0, categories=[("Bags & <Belts>", 3), ("围巾", 11)], new_count=2)

    page = VIEWS.shop_listing("en", ShopListing(member(), listing))
    labels = [b["text"] for row in page.params["reply_markup"]["inline_keyboard"] for b in row]

    assert labels == ["✨ New arrivals (2)", "Bags & <Belts> (3)", "围巾 (11)"]
    assert "Bags" not in page.params["text"], "the categories are buttons; the text is the invitation"


def test_the_member_picker_offers_the_associates_own_members_and_pages():
    from commerce.conversations import ChatSummary

    chats = [ChatSummary(member(name=f"M{n}"), 0, None) for n in range(8)]
    picker = VIEWS.recipients("en", Recipients(item(), ChatListPage(1, chats, True)))

    assert keyboard_data(picker)[:1] == [f"ks:{2**31 - 1}:{2**31 - 1}"]
    assert keyboard_data(picker)[-2:] == [f"kr:{2**31 - 1}:0", f"kr:{2**31 - 1}:2"]
    assert VIEWS.recipients("en", Recipients(None, ChatListPage(0, [], False))).params["text"].startswith("You have no members yet")
