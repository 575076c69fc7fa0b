"""/qr (commerce.posters.poster_for): an active associate's poster, drawn by the real
drawing from the brand as stored now, kept as a blob; nobody else gets one. The daily
leaderboard (commerce.leaderboard_sends.send_daily_leaderboard): each day is sent once,
every associate in the staff bot gets their line, managers their store's image, HQ the
brand's images, the images drawn by the real Artist and kept as blobs."""

from __future__ import annotations

from datetime import timedelta

from bot.images.poster_layout import PosterSpec
from bot.images.poster_specs import poster_spec_for
from bot.images.posters import render_poster
from bot.interface.i18n import Catalog
from bot.interface.render.leaderboard import Artist
from commerce.access import NotAllowed, Staff
from commerce.bots import BotKind
from commerce.leaderboard_sends import send_daily_leaderboard
from commerce.messages import PictureShown, StandingLine
from commerce.outbox import OutboxPurpose
from commerce.people import Associate, AssociateStatus, Brand, HQOperator
from commerce.posters import Poster, keep_poster, poster_for
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    MARC_CHAT,
    NOW,
    ZOE_CHAT,
    People,
    step,
)

CATALOG = Catalog.load()
PNG = b"\x89PNG\r\n\x1a\n"
HQ_CHAT = 9_000_000_001
KEEP = timedelta(days=7)


class Drawings:
    """The real poster drawing, counting the posters it drew."""

    def __init__(self) -> None:
        self.drawn: list[str] = []

    async def __call__(self, staff: Staff, brand: Brand) -> tuple[bytes, PosterSpec]:
        spec = poster_spec_for(staff.associate, staff.store, brand, "maison_bot", b"k" * 32, CATALOG)
        self.drawn.append(staff.associate.display_name)
        return render_poster(spec, "PNG"), spec


async def test_an_associates_poster_is_drawn_from_the_brand_as_stored_now_and_kept(people: People,
                                                                                  database: Database) -> None:
    async with step(database) as (uow, _):
        renamed = await uow.brands.get(people.brand.id)
        renamed.name = "Maison Renamed"
        await uow.brands.update(renamed)
    draw = Drawings()

    poster = await poster_for(database.uow, people.brand, CLAIRE_CHAT, draw)

    assert isinstance(poster, Poster) and poster.staff.associate.id == people.claire.id
    assert poster.brand.name == "Maison Renamed" and poster.drawing.brand_name == "Maison Renamed"
    assert poster.png.startswith(PNG) and poster.filename == "qr-CLAIRE1.png"
    assert poster.drawing.deep_link.startswith("https://t.me/maison_bot?start=")
    async with step(database) as (uow, _):
        blob_id = await keep_poster(uow, poster, NOW)
    async with database.uow() as uow:
        blob = await uow.blobs.get(blob_id)
    assert blob is not None and blob.content == poster.png and blob.filename == "qr-CLAIRE1.png"


async def test_nobody_but_an_active_associate_gets_a_poster_and_nothing_is_drawn_for_them(people: People,
                                                                                       database: Database) -> None:
    async with step(database) as (uow, _):
        await uow.hq.add(HQOperator(brand_id=people.brand.id, name="Hélène", telegram_user_id=HQ_CHAT))
        people.marc.status = AssociateStatus.DEACTIVATED
        await uow.associates.update(people.marc)
    draw = Drawings()

    refused = [await poster_for(database.uow, people.brand, user, draw) for user in (HQ_CHAT, MARC_CHAT, ANA_CHAT, 123)]

    assert all(isinstance(r, NotAllowed) for r in refused) and draw.drawn == []


async def test_the_day_is_sent_once_each_person_getting_what_their_role_sees(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await uow.hq.add(HQOperator(brand_id=people.brand.id, name="Hélène", telegram_user_id=HQ_CHAT))
        people.marc.is_manager = True
        await uow.associates.update(people.marc)
        await uow.associates.add(Associate(store_id=people.store.id, display_name="Unbound", short_code="UNB1"))
    later = NOW + timedelta(hours=12)  # 22:00 UTC, after the leaderboard time

    async with step(database, later) as (uow, postbox):
        run = await send_daily_leaderboard(uow, postbox, Artist(CATALOG), people.brand, later, KEEP)
    async with step(database, later) as (uow, again):
        second = await send_daily_leaderboard(uow, again, Artist(CATALOG), people.brand, later + timedelta(minutes=1), KEEP)

    assert run is not None and run.day == later.date() and run.messages == len(postbox.posted)
    assert second is None and again.posted == []
    assert {p.message.purpose for p in postbox.posted} == {OutboxPurpose.NOTICE}
    assert {p.message.bot for p in postbox.posted} == {BotKind.ASSOCIATE}
    lines = {p.message.chat_id: p.message.body.associate_id for p in postbox.posted
             if isinstance(p.message.body, StandingLine)}
    assert lines == {CLAIRE_CHAT: people.claire.id, MARC_CHAT: people.marc.id, ZOE_CHAT: people.zoe.id}, (
        "the associate never bound to Telegram gets nothing")
    pictures = [(p.message.chat_id, p.message.body) for p in postbox.posted if isinstance(p.message.body, PictureShown)]
    assert [chat for chat, _ in pictures if chat != HQ_CHAT] == [MARC_CHAT], "managers only"
    assert HQ_CHAT in [chat for chat, _ in pictures]
    async with database.uow() as uow:
        for _, picture in pictures:
            blob = await uow.blobs.get(picture.blob_id)
            assert blob is not None and blob.content.startswith(PNG)
