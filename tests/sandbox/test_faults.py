"""Injected faults, the call log and reset."""

from __future__ import annotations

import time

import pytest
import telegram

from bot.sandbox import Sandbox, SandboxClient
from tests.sandbox.conftest import BRAND


async def test_fail_next_makes_ptb_raise_network_error_then_recovers(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.fail_next(1, status=502, method="sendMessage")

    with pytest.raises(telegram.error.NetworkError):
        await brand.send_message(ada["id"], "first try")
    await brand.send_message(ada["id"], "second try")

    texts = [m["text"] for m in await people.transcript(ada["id"], BRAND)]
    assert texts == ["/start", "second try"]  # the failed call was never applied


async def test_failures_can_target_one_bot(people: SandboxClient, brand: telegram.Bot, make_bot) -> None:
    staff = await make_bot("staff_bot")
    await people.fail_next(1, bot="staff_bot")

    await brand.get_me()
    with pytest.raises(telegram.error.NetworkError):
        await staff.get_me()


async def test_a_dropped_response_applies_the_call_but_the_bot_never_hears_back(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.drop_responses(1, method="sendMessage")

    with pytest.raises(telegram.error.NetworkError):
        await brand.send_message(ada["id"], "Your order shipped")

    texts = [m["text"] for m in await people.transcript(ada["id"], BRAND)]
    assert texts == ["/start", "Your order shipped"]
    assert (await people.calls(method="sendMessage"))[-1]["dropped"] is True


async def test_latency_slows_the_chosen_method(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await people.set_latency(0.2, method="sendMessage")

    started = time.monotonic()
    await brand.send_message(ada["id"], "slow")
    slow = time.monotonic() - started
    await people.clear_faults()
    started = time.monotonic()
    await brand.send_message(ada["id"], "fast")

    assert slow >= 0.2 > time.monotonic() - started


async def test_the_call_log_lists_methods_and_statuses(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await brand.send_message(ada["id"], "hello")
    with pytest.raises(telegram.error.BadRequest):
        await brand.send_message(ada["id"], "")

    sends = await people.calls(bot=BRAND, method="sendMessage")

    assert [call["status"] for call in sends] == [200, 400]
    assert all(call["time"] <= time.time() for call in sends)


async def test_reset_forgets_people_but_keeps_bots_and_update_ids(
    sandbox: Sandbox, people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    before = await brand.get_updates()  # empty: the fixture confirmed /start
    await people.reset()

    assert before == () and await people.users() == []
    assert (await brand.get_me()).username == BRAND
    again = await people.create_user("Ada")
    await people.send_text(again["id"], BRAND, "/start")
    [update] = await brand.get_updates()
    assert update.update_id > 1  # counting went on, so saved offsets stay valid
