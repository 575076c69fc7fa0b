"""The recruitment leaderboard, end to end: the daily results at the brand's local time
and /leaderboard on demand, read from the people's chats in the associate bot.

Given a Shanghai brand with two stores: at Xintiandi Bob (the manager), Lina and Zoe (who
reads Chinese); at Sanlitun Wei, Ana (not on Telegram) and Gus (deactivated); Hannah at
HQ. Members are counted by the associate whose code enrolled them, in the brand's local
day: a member enrolled one second before local midnight belongs to the day before.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from PIL import Image

from bot.runtime.scheduler import LEADERBOARD, send_daily_leaderboard
from commerce.people import Associate, AssociateStatus, HQOperator, Member, Store
from tests.e2e.conftest import STACKS

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)  # the brand's leaderboard time
MIDNIGHT = datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)


@dataclass
class Team:
    users: dict[str, int]  # name -> Telegram user id
    ids: dict[str, int]  # name -> associate id
    last_seen: dict[str, int]  # name -> id of the last message in their associate bot chat


async def open_team(stack) -> Team:
    services = stack.runtime.services
    users = {name: await stack.person(name, language_code="zh-hans" if name == "Zoe" else "en")
             for name in ("Bob", "Lina", "Zoe", "Wei", "Gus", "Hannah")}
    async with services.uow() as uow:
        brand = await uow.brands.get(services.brand.id)
        brand.timezone = "Asia/Shanghai"
        await uow.brands.update(brand)
        xtd = await uow.stores.add(Store(brand_id=brand.id, code="SH1", name="Shanghai Xintiandi"))
        slt = await uow.stores.add(Store(brand_id=brand.id, code="BJ1", name="Beijing Sanlitun"))
        ids = {}
        for name, store, extra in [
            ("Bob", xtd, {"is_manager": True}), ("Lina", xtd, {}), ("Zoe", xtd, {"locale": "zh-Hans"}),
            ("Wei", slt, {}), ("Ana", slt, {}), ("Gus", slt, {"status": AssociateStatus.DEACTIVATED}),
        ]:
            associate = await uow.associates.add(Associate(
                store_id=store.id, display_name=name, short_code=f"CODE{name.upper()}", telegram_user_id=users.get(name), **extra,
            ))
            ids[name] = associate.id
        await uow.hq.add(HQOperator(brand_id=brand.id, name="Hannah", telegram_user_id=users["Hannah"]))
        await uow.commit()
    last_seen = {}
    for name, user in users.items():  # everybody opened the staff bot once, as people do
        last_seen[name] = (await stack.reply_to(user, stack.associate_bot, "/start"))["message_id"]
    return Team(users, ids, last_seen)


async def enrol(stack, team: Team, recruits: list[tuple[str, datetime]]) -> None:
    """New members enrolled by the named associates' codes at the given times."""
    services = stack.runtime.services
    async with services.uow() as uow:
        for n, (name, at) in enumerate(recruits):
            associate = await uow.associates.get(team.ids[name])
            await uow.members.add(Member(
                brand_id=services.brand.id, telegram_user_id=9_100_000_000 + n, first_name=f"Shopper {n}", enrolled_at=at,
                store_id=associate.store_id, source_associate_id=associate.id,
            ))
        await uow.commit()


async def next_from_bot(stack, team: Team, name: str, predicate=lambda m: True) -> dict:
    message = await stack.people.wait_for(team.users[name], stack.associate_bot, predicate, 10.0,
                                          after_message_id=team.last_seen[name])
    team.last_seen[name] = message["message_id"]
    return message


def is_photo(message: dict) -> bool:
    return message["kind"] == "photo"


async def set_brand_colour(stack, colour: str) -> None:
    async with stack.runtime.services.uow() as uow:
        brand = await uow.brands.get(stack.runtime.services.brand.id)
        brand.colour = colour
        await uow.brands.update(brand)
        await uow.commit()


async def outbox_rows(stack) -> int:
    async with stack.runtime.services.uow() as uow:
        return (await uow.session.execute(sa.text("SELECT count(*) FROM outbox"))).scalar_one()


async def blob_names(stack) -> set[str]:
    async with stack.runtime.services.uow() as uow:
        return set((await uow.session.execute(sa.text("SELECT filename FROM blob"))).scalars())


# --- the daily results --------------------------------------------------------------


async def test_every_associate_gets_their_result_and_managers_and_hq_get_the_ranking_image(stack):
    team = await open_team(stack)
    await enrol(stack, team, [
        ("Bob", MIDNIGHT), ("Bob", NOW - timedelta(minutes=1)),
        ("Bob", MIDNIGHT - timedelta(seconds=1)),  # yesterday in Shanghai
        ("Lina", MIDNIGHT + timedelta(hours=10)), ("Lina", MIDNIGHT + timedelta(hours=11)),
        ("Wei", MIDNIGHT + timedelta(hours=12)),
        ("Wei", MIDNIGHT + timedelta(days=1)),  # tomorrow
        ("Gus", MIDNIGHT + timedelta(hours=9)), ("Gus", MIDNIGHT + timedelta(hours=9, minutes=5)),  # left: not ranked
    ])

    run = await send_daily_leaderboard(stack.runtime.services, NOW)

    assert run is not None and run.day.isoformat() == "2026-03-02"
    assert run.messages == 4 + 1 + 1  # four lines, Bob's store image, Hannah's brand image
    bob = await next_from_bot(stack, team, "Bob")
    assert bob["text"] == ("Your recruitment today · 2026-03-02\n"
                           "You recruited 2 new members today, #1 of 5 associates. Well done!")
    lina = await next_from_bot(stack, team, "Lina")
    assert "You recruited 2 new members today, #1 of 5 associates. Well done!" in lina["text"]  # a tie shares the rank
    wei = await next_from_bot(stack, team, "Wei")
    assert "You recruited 1 new member today, #3 of 5 associates. Great work!" in wei["text"]
    zoe = await next_from_bot(stack, team, "Zoe")
    assert "今天暂时还没有新会员" in zoe["text"] and "排名" not in zoe["text"]  # no ranking shame

    store_image = await next_from_bot(stack, team, "Bob", is_photo)
    assert store_image["caption"].startswith("Shanghai Xintiandi: top recruiters today · 2026-03-02")
    assert "New members: 4 · associates recruiting: 2 of 3" in store_image["caption"]
    brand_image = await next_from_bot(stack, team, "Hannah", is_photo)
    assert brand_image["caption"] == ("Top recruiters today · 2026-03-02\n"
                                      "New members: 5 · associates recruiting: 3 of 5")
    png = await stack.people.download_file(brand_image["file"]["file_unique_id"])
    assert Image.open(io.BytesIO(png)).size[0] == 1080
    await stack.runtime.sender_idle()
    gus = await stack.bot_messages(team.users["Gus"], stack.associate_bot)
    assert [m for m in gus if m["message_id"] > team.last_seen["Gus"]] == []  # left the brand: nothing


async def test_the_same_day_is_sent_once_however_often_the_job_runs(stack):
    team = await open_team(stack)
    await enrol(stack, team, [("Bob", MIDNIGHT + timedelta(hours=1))])
    assert await send_daily_leaderboard(stack.runtime.services, NOW) is not None
    await next_from_bot(stack, team, "Hannah", is_photo)
    await stack.runtime.sender_idle()
    before = {name: len(await stack.bot_messages(user, stack.associate_bot)) for name, user in team.users.items()}

    again = await send_daily_leaderboard(stack.runtime.services, NOW + timedelta(minutes=30))
    await stack.runtime.sender_idle()

    assert again is None
    assert {name: len(await stack.bot_messages(user, stack.associate_bot)) for name, user in team.users.items()} == before
    tomorrow = await send_daily_leaderboard(stack.runtime.services, NOW + timedelta(days=1))
    assert tomorrow is not None and tomorrow.day.isoformat() == "2026-03-03"


# Two processes share their queue and chat locks through Redis; the in-process backends serve
# one process only (two runtimes on them would each deliver the same rows), so this runs on
# PostgreSQL + Redis, as several processes are deployed.
@pytest.mark.parametrize("stack_kind", [STACKS[1]], indirect=True)
async def test_of_two_processes_firing_at_the_same_time_exactly_one_sends(stack):
    team = await open_team(stack)
    await enrol(stack, team, [("Bob", MIDNIGHT + timedelta(hours=1))])
    second = await stack.start_another_process(run_scheduler=False)

    runs = await asyncio.gather(send_daily_leaderboard(stack.runtime.services, NOW),
                                send_daily_leaderboard(second.services, NOW))

    assert sum(run is not None for run in runs) == 1
    await next_from_bot(stack, team, "Hannah", is_photo)
    await stack.runtime.sender_idle()
    await second.sender_idle()
    assert len([m for m in await stack.bot_messages(team.users["Hannah"], stack.associate_bot) if is_photo(m)]) == 1
    bob = [m for m in await stack.bot_messages(team.users["Bob"], stack.associate_bot) if "Your recruitment today" in (m.get("text") or "")]
    assert len(bob) == 1


async def test_a_run_that_fails_half_way_queues_nothing_and_leaves_the_day_to_the_next_run(stack):
    team = await open_team(stack)
    await enrol(stack, team, [("Bob", MIDNIGHT + timedelta(hours=1))])
    services = stack.runtime.services
    await set_brand_colour(stack, "teal")  # not #RRGGBB: the images cannot be drawn, after the day's claim
    before = await outbox_rows(stack)

    with pytest.raises(ValueError, match="brand colour"):
        await send_daily_leaderboard(services, NOW)
    await stack.runtime.sender_idle()
    assert await outbox_rows(stack) == before

    await set_brand_colour(stack, "#8C1D40")
    run = await send_daily_leaderboard(services, NOW + timedelta(minutes=5))  # the next firing, or another process's
    assert run is not None and run.day.isoformat() == "2026-03-02" and run.messages == 6
    assert "You recruited 1 new member today" in (await next_from_bot(stack, team, "Bob"))["text"]
    await next_from_bot(stack, team, "Hannah", is_photo)
    assert await send_daily_leaderboard(services, NOW + timedelta(minutes=10)) is None


async def test_the_images_of_days_past_the_kept_days_are_deleted_as_new_ones_are_stored(stack):
    team = await open_team(stack)
    services = stack.runtime.services
    assert services.settings.leaderboard_image_days == 14
    for days in (0, 10):
        assert await send_daily_leaderboard(services, NOW + timedelta(days=days)) is not None
    await stack.runtime.sender_idle()
    assert await blob_names(stack) == {"leaderboard-today-2026-03-02.png", "leaderboard-today-2026-03-12.png"}

    assert await send_daily_leaderboard(services, NOW + timedelta(days=15)) is not None
    await stack.runtime.sender_idle()

    # The first day's images went when the new ones were stored; the tenth day's stay.
    assert await blob_names(stack) == {"leaderboard-today-2026-03-12.png", "leaderboard-today-2026-03-17.png"}
    photos = [m for m in await stack.bot_messages(team.users["Hannah"], stack.associate_bot) if is_photo(m)]
    assert len(photos) == 3


async def test_the_running_process_schedules_the_job_at_the_brands_local_time(stack):
    process = await stack.start_another_process(run_scheduler=True)  # the stack's own runs without
    next_run = process.scheduler.next_run(LEADERBOARD)
    assert next_run is not None
    assert next_run.astimezone(timezone.utc).time() == time(21, 0)  # the stack's brand keeps time in UTC


# --- /leaderboard on demand ---------------------------------------------------------


async def test_an_associate_asks_for_the_week_and_gets_the_image_with_their_standing(stack):
    team = await open_team(stack)
    now = stack.runtime.services.clock.now()
    await enrol(stack, team, [("Wei", now), ("Wei", now), ("Bob", now), ("Wei", now - timedelta(days=40))])

    reply = await stack.reply_to(team.users["Bob"], stack.associate_bot, "/leaderboard week")

    assert reply["kind"] == "photo"
    assert "You recruited 1 new member this week, #2 of 5 associates. Great work!" in reply["caption"]
    png = await stack.people.download_file(reply["file"]["file_unique_id"])
    assert Image.open(io.BytesIO(png)).format == "PNG"

    chinese = await stack.reply_to(team.users["Zoe"], stack.associate_bot, "/leaderboard month")
    assert chinese["kind"] == "photo" and "本月暂时还没有新会员" in chinese["caption"]


async def test_hq_asks_and_gets_the_brand_image(stack):
    team = await open_team(stack)
    reply = await stack.reply_to(team.users["Hannah"], stack.associate_bot, "/leaderboard")
    assert reply["kind"] == "photo" and reply["caption"].startswith("Top recruiters today")


async def test_members_and_strangers_are_refused_and_a_wrong_period_gets_the_usage(stack):
    team = await open_team(stack)
    shopper = await stack.person("Sam")
    async with stack.runtime.services.uow() as uow:
        await uow.members.add(Member(brand_id=stack.runtime.services.brand.id, telegram_user_id=shopper, first_name="Sam",
                                     enrolled_at=stack.runtime.services.clock.now(), source_associate_id=team.ids["Bob"]))
        await uow.commit()
    stranger = await stack.person("Stranger")

    for person in (shopper, stranger, team.users["Gus"]):  # Gus left the brand
        reply = await stack.reply_to(person, stack.associate_bot, "/leaderboard week")
        assert reply["text"].startswith("/leaderboard is for store associates and HQ operators.\n\nMaison Test staff bot")
    usage = await stack.reply_to(team.users["Bob"], stack.associate_bot, "/leaderboard year")
    assert "/leaderboard week" in usage["text"]
