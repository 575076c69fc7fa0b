"""Injected faults, the call log and reset."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import telegram

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.client import SandboxError
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


async def test_an_injected_429_says_how_long_to_wait(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await people.fail_next(1, status=429, method="sendMessage", retry_after=3)

    with pytest.raises(telegram.error.RetryAfter) as refused:
        await brand.send_message(ada["id"], "too soon")

    assert refused.value.retry_after in (3, timedelta(seconds=3))  # PTB 22 moves from int to timedelta
    texts = [m["text"] for m in await people.transcript(ada["id"], BRAND)]
    assert texts == ["/start"]
    [call] = await people.calls(method="sendMessage")
    assert (call["status"], call["chat_id"]) == (429, str(ada["id"]))  # the log names the chat, refused or not


async def test_random_failures_hit_a_share_of_the_calls_and_repeat_with_the_same_seed(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    async def outcomes() -> list[bool]:
        results = []
        for n in range(40):
            try:
                await brand.send_message(ada["id"], f"note {n}")
                results.append(True)
            except telegram.error.NetworkError:
                results.append(False)
        return results

    await people.set_limits(enabled=False)  # flood control is not what is tested here
    await people.fail_randomly(0.25, status=502, method="sendMessage", bot=BRAND, seed=7)
    first = await outcomes()
    injected = (await people.describe_faults())["fail_randomly"][0]["injected"]
    await people.clear_faults()
    await people.fail_randomly(0.25, status=502, method="sendMessage", bot=BRAND, seed=7)
    second = await outcomes()

    assert first == second
    assert 0 < first.count(False) == injected < 20
    await people.clear_faults()
    await brand.get_me()  # other methods and a cleared sandbox are untouched


async def test_random_failures_refuse_a_rate_outside_zero_to_one(people: SandboxClient) -> None:
    with pytest.raises(SandboxError) as refused:
        await people.fail_randomly(1.5, status=502)

    assert refused.value.status == 400


async def test_only_a_call_that_took_effect_loses_its_response(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.drop_responses(1, method="sendMessage")

    with pytest.raises(telegram.error.BadRequest):  # refused: its answer still arrives
        await brand.send_message(ada["id"], "")
    with pytest.raises(telegram.error.NetworkError):
        await brand.send_message(ada["id"], "applied, unheard")
    await brand.send_message(ada["id"], "heard")

    texts = [m["text"] for m in await people.transcript(ada["id"], BRAND)]
    assert texts == ["/start", "applied, unheard", "heard"]


async def test_stored_messages_carry_the_sandbox_time_they_were_stored(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    before = time.time()
    await brand.send_message(ada["id"], "timed")
    after = time.time()

    [timed] = [m for m in await people.transcript(ada["id"], BRAND) if m["text"] == "timed"]
    assert before <= timed["created_at"] <= after


async def test_an_injected_400_can_say_why_as_telegram_would(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await people.fail_next(1, status=400, method="sendMessage", description="message is too long")

    with pytest.raises(telegram.error.BadRequest, match="Message is too long"):
        await brand.send_message(ada["id"], "short, but refused")
    await brand.send_message(ada["id"], "accepted")
