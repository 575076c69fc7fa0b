"""Poison updates: whatever Telegram (or anyone posting to the webhook) sends ends in a final
state — handled, failed with a reason, or rejected — after a bounded number of attempts,
and never stops the updates behind it.

Given a member (Alice, Bob's) on both stacks, in polling mode (odd updates arrive through
getUpdates, in a batch with real ones) and in webhook mode (bodies posted directly, so the
answer codes can be read).
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.runtime.ingress import MAX_ATTEMPTS
from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from tests.e2e.scenario import enrol, history_of, open_shop, settle, wait_for_text

FINAL = {InboxStatus.DONE, InboxStatus.FAILED, InboxStatus.REJECTED}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def message_update(user_id: int, text: str, *, first_name: str = "Alice") -> dict[str, Any]:
    """A message update from a person's private chat, without its update_id."""
    return {"message": {
        "message_id": 10_000 + len(text), "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": first_name},
        "from": {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"},
        "text": text,
    }}


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"x": value}
    return value


def hand_picked(user_id: int) -> list[dict[str, Any]]:
    """The odd updates found by probing, one per class."""
    real = message_update(user_id, "real")
    message = real["message"]
    return [
        {"message": {**message, "chat": "x"}},
        {"message": {**message, "from": [1, 2]}},
        {"message": "s"},
        {"message": {**message, "chat": {"id": "x", "type": "private"}}},
        {"message": {**message, "chat": {"id": 10**30, "type": "private"}}},
        {"message": {**message, "date": "yesterday"}},
        {"message": {**message, "entities": "x"}},
        {"message": {**message, "text": float("nan")}},
        {"message": {**message, "extra": nested(200)}},
        {"callback_query": {"id": "1", "from": message["from"], "chat_instance": "1", "message": [1]}},
        {"something_new": {"a": 1}},
    ]


# --- generated odd updates: a real one with any part replaced by any JSON ------------------

_TEXT = st.text(st.characters(exclude_categories=()), max_size=40) | st.sampled_from(["\x00", "a\ud800b", "\udfff", "\u202e", "👩‍👩‍👧"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63) | st.floats() | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)
_PATHS = ["message", "message.chat", "message.chat.id", "message.chat.type", "message.from", "message.from.id",
          "message.from.first_name", "message.text", "message.date", "message.message_id", "message.entities",
          "message.reply_to_message", "message.photo", "message.contact", "message.new_key"]


def mutate(update: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(update))
    *parents, leaf = path.split(".")
    holder = out
    for key in parents:
        holder = holder[key]
    holder[leaf] = value
    return out


def generated(user_id: int, count: int) -> list[dict[str, Any]]:
    """`count` updates drawn by hypothesis (generation only: the stack is too slow to start
    per example, so each is sent to one stack and judged there)."""
    drawn: list[dict[str, Any]] = []

    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(_PATHS), _JSON)
    def collect(path: str, value: Any) -> None:
        drawn.append(mutate(message_update(user_id, "template"), path, value))

    collect()
    return drawn


# --- helpers ----------------------------------------------------------------------------


async def inbox_row(stack, bot: BotKind, update_id: int) -> InboundUpdate | None:
    async with stack.runtime.services.uow() as uow:
        return await uow.inbox.get(bot, update_id)


async def until_final(stack, bot: BotKind, update_ids: list[int], timeout: float = 60.0) -> dict[int, InboundUpdate]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = {n: await inbox_row(stack, bot, n) for n in update_ids}
        open_ = {n: row.status if row else None for n, row in rows.items() if row is None or row.status not in FINAL}
        if not open_:
            return rows  # type: ignore[return-value]
        assert loop.time() < deadline, f"not in a final state: {open_}"
        await asyncio.sleep(0.2)


async def post_raw(stack, bot: BotKind, body: bytes) -> int:
    url = f"{stack.settings_overrides['webhook_base_url']}/telegram/{bot.value}"
    headers = {SECRET_HEADER: stack.settings_overrides["webhook_secret"], "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def healthz(stack) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{stack.settings_overrides['http_port']}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


# --- polling: odd updates in the stream ------------------------------------------------------


async def test_odd_updates_in_the_stream_end_in_a_final_state_and_real_messages_keep_flowing(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    bob = shop.bob.telegram_user_id

    odd = hand_picked(alice) + generated(alice, 40)
    update_ids = [await stack.people.inject_update(stack.consumer_bot, update) for update in odd]
    await stack.people.send_text(alice, stack.consumer_bot, "after the poison")

    await wait_for_text(stack, bob, stack.associate_bot, "after the poison", timeout=60.0)
    rows = await until_final(stack, BotKind.CONSUMER, update_ids)
    for update_id, row in rows.items():
        if row.status is not InboxStatus.DONE:
            assert row.error, f"update {update_id} ended {row.status} without a reason"
    assert rows[update_ids[0]].status is InboxStatus.REJECTED  # "chat": "x"
    assert rows[update_ids[8]].error == "nested deeper than 32 levels"
    assert stack.metrics.value("storelink_updates_rejected_total") >= 8


async def test_nul_and_lone_surrogates_are_replaced_and_the_message_is_relayed_and_kept(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    bob = shop.bob.telegram_user_id

    first = await stack.people.inject_update(stack.consumer_bot, message_update(alice, "nul\x00here", first_name="Al\x00ice"))
    second = await stack.people.inject_update(stack.consumer_bot, message_update(alice, "half\ud83d a smile"))

    relayed = await wait_for_text(stack, bob, stack.associate_bot, "nul\ufffdhere")
    await wait_for_text(stack, bob, stack.associate_bot, "half\ufffd a smile", after=relayed["message_id"])
    await settle(stack)
    rows = await until_final(stack, BotKind.CONSUMER, [first, second])
    assert {row.status for row in rows.values()} == {InboxStatus.DONE}
    assert rows[first].payload["message"]["text"] == "nul\ufffdhere"
    texts = [m.text for m in await history_of(stack, alice)]
    assert "nul\ufffdhere" in texts and "half\ufffd a smile" in texts


# --- a crashed process's updates -------------------------------------------------------------


def reserve_update_ids(stack, count: int) -> int:
    """The first of `count` update_ids the sandbox will now skip: ids a dead process had
    received from it before the ones people send next."""
    queue = stack.sandbox.world.bots_by_username[stack.consumer_bot].updates
    first = queue._last_id + 1
    queue._last_id += count
    return first


async def record_as_a_dead_process(stack, update: dict[str, Any], chat_id: int, *, attempts: int = 1,
                                   age: timedelta = timedelta(minutes=5)) -> None:
    """An update a process recorded and began handling, then died: RECEIVED, attempted."""
    services = stack.runtime.services
    async with services.uow() as uow:
        await uow.inbox.record(InboundUpdate(BotKind.CONSUMER, update["update_id"], update, services.clock.now() - age,
                                             chat_id=chat_id, attempts=attempts))
        await uow.commit()


async def test_an_update_a_dead_process_left_goes_before_the_chats_later_ones(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    bob = shop.bob.telegram_user_id
    # The dead process held the chat's lease: it runs out by itself, in seconds.
    await stack.runtime.services.backends.lock.acquire(f"in:consumer:{alice}", 3.0)
    left = {"update_id": reserve_update_ids(stack, 1), **message_update(alice, "left behind")}
    await record_as_a_dead_process(stack, left, alice, age=timedelta(0))

    await stack.people.send_text(alice, stack.consumer_bot, "said later")

    later = await wait_for_text(stack, bob, stack.associate_bot, "said later", timeout=20.0)
    copies = [m["text"] for m in await stack.bot_messages(bob, stack.associate_bot) if m["message_id"] <= later["message_id"]]
    assert [t.split("\n")[-1] for t in copies if "left behind" in t or "said later" in t] == ["left behind", "said later"]


async def test_an_update_that_never_finishes_is_given_up_after_bounded_attempts(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    bob = shop.bob.telegram_user_id
    # Two hundred updates that killed their process every time they were tried, the
    # oldest in the inbox: the sweep takes the oldest first.
    first = reserve_update_ids(stack, 201)
    for n in range(200):
        await record_as_a_dead_process(stack, {"update_id": first + n, **message_update(alice, f"poison {n}")}, alice,
                                       attempts=MAX_ATTEMPTS)
    stuck = {"update_id": first + 200, **message_update(alice, "stuck but fine")}
    await record_as_a_dead_process(stack, stuck, alice, attempts=0, age=timedelta(minutes=1))

    await wait_for_text(stack, bob, stack.associate_bot, "stuck but fine", timeout=30.0)
    rows = await until_final(stack, BotKind.CONSUMER, [first, first + 99, first + 199, first + 200])
    assert [rows[first + n].status for n in (0, 99, 199)] == [InboxStatus.FAILED] * 3
    assert rows[first].error == f"gave up after {MAX_ATTEMPTS} attempts that never ended"
    assert rows[first + 200].status is InboxStatus.DONE
    texts = "\n".join(m["text"] or "" for m in await stack.bot_messages(bob, stack.associate_bot))
    assert "poison" not in texts


# --- the intake ----------------------------------------------------------------------------


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"intake_stall": 1.0}


async def test_healthz_reports_an_intake_that_stopped_while_updates_wait(stack):
    alice = await stack.person("Alice")
    services = stack.runtime.services
    assert (await healthz(stack))[0] == 200
    async with services.uow() as uow:  # the inbox becomes unwritable (a broken deployment, a full disk)
        await uow.session.execute(sa.text("ALTER TABLE inbound_update RENAME TO inbound_update_away"))
        await uow.commit()
    await stack.people.send_text(alice, stack.consumer_bot, "/help")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15.0
    while (answer := await healthz(stack))[0] == 200:
        assert loop.time() < deadline, "healthz stayed ok"
        await asyncio.sleep(0.2)
    assert answer[0] == 503
    assert any("intake of the consumer bot" in problem for problem in answer[1]["problems"]), answer

    async with services.uow() as uow:
        await uow.session.execute(sa.text("ALTER TABLE inbound_update_away RENAME TO inbound_update"))
        await uow.commit()
    await wait_for_text(stack, alice, stack.consumer_bot, "", timeout=40.0)
    deadline = loop.time() + 10.0
    while (await healthz(stack))[0] != 200:
        assert loop.time() < deadline, "healthz did not recover"
        await asyncio.sleep(0.2)
