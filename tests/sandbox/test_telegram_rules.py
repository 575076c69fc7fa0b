"""Telegram's refusals, as a PTB bot meets them through the sandbox."""

from __future__ import annotations

import re

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import Sandbox, SandboxClient
from tests.sandbox.conftest import BRAND

# PTB 22 warns inside RetryAfter itself that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


async def test_text_over_4096_chars_is_refused_like_telegram(brand: telegram.Bot, ada) -> None:
    with pytest.raises(telegram.error.BadRequest, match="Message is too long"):
        await brand.send_message(ada["id"], "x" * 4097)


async def test_text_length_is_counted_after_the_markup_is_parsed(brand: telegram.Bot, ada) -> None:
    sent = await brand.send_message(ada["id"], "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")

    assert len(sent.text) == 4096


async def test_an_empty_text_is_refused(brand: telegram.Bot, ada) -> None:
    with pytest.raises(telegram.error.BadRequest, match="Message text is empty"):
        await brand.send_message(ada["id"], "   ")


async def test_caption_over_1024_chars_is_refused_like_telegram(brand: telegram.Bot, ada) -> None:
    with pytest.raises(telegram.error.BadRequest, match="Message caption is too long"):
        await brand.send_photo(ada["id"], b"\x89PNG\r\n", caption="c" * 1025)


async def test_unparsable_html_is_refused_with_cant_parse_entities(brand: telegram.Bot, ada) -> None:
    with pytest.raises(telegram.error.BadRequest, match='Can\'t parse entities: unsupported start tag "div"'):
        await brand.send_message(ada["id"], "<div>Hi</div>", parse_mode="HTML")
    with pytest.raises(telegram.error.BadRequest, match="Can't parse entities: unmatched end tag"):
        await brand.send_message(ada["id"], "<b>Hi</i>", parse_mode="HTML")
    with pytest.raises(telegram.error.BadRequest, match="Can't parse entities"):
        await brand.send_message(ada["id"], "1 < 2", parse_mode="HTML")


async def test_an_unescaped_dot_in_markdown_v2_is_refused(brand: telegram.Bot, ada) -> None:
    with pytest.raises(telegram.error.BadRequest, match=re.escape("Can't parse entities: character '.' is reserved")):
        await brand.send_message(ada["id"], "Total: 12.50", parse_mode="MarkdownV2")

    sent = await brand.send_message(ada["id"], "*Total:* 12\\.50", parse_mode="MarkdownV2")
    assert sent.text == "Total: 12.50" and sent.entities[0].type == "bold"


async def test_callback_data_over_64_bytes_is_refused(brand: telegram.Bot, ada) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Buy", callback_data="é" * 33)]])  # 66 bytes

    with pytest.raises(telegram.error.BadRequest, match="Button_data_invalid"):
        await brand.send_message(ada["id"], "Pick one", reply_markup=too_long)


async def test_a_blocked_bot_gets_forbidden_and_hears_about_it(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await people.block(ada["id"], BRAND)

    with pytest.raises(telegram.error.Forbidden, match="Forbidden: bot was blocked by the user"):
        await brand.send_message(ada["id"], "Sale today!")
    await people.unblock(ada["id"], BRAND)
    await brand.send_message(ada["id"], "Welcome back")

    updates = await brand.get_updates()
    statuses = [(u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status) for u in updates]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_sending_faster_than_a_chat_allows_raises_retry_after(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    for n in range(3):  # the burst passes
        await brand.send_message(ada["id"], f"message {n}")

    with pytest.raises(telegram.error.RetryAfter, match="Retry in 1 second"):
        await brand.send_message(ada["id"], "one too many")

    refusal = (await people.calls(method="sendMessage"))[-1]
    assert refusal["status"] == 429
    assert refusal["description"] == "Too Many Requests: retry after 1"
    assert refusal["parameters"] == {"retry_after": 1}


async def test_paid_broadcast_goes_past_the_per_bot_limit(
    sandbox: Sandbox, people: SandboxClient, brand: telegram.Bot
) -> None:
    sandbox.limits.global_rate = 5
    sandbox.limits.paid_rate = 100
    members = [await people.create_user(f"Member {n}") for n in range(8)]
    for member in members:
        await people.send_text(member["id"], BRAND, "/start")

    with pytest.raises(telegram.error.RetryAfter):
        for member in members:
            await brand.send_message(member["id"], "New season is here")
    for member in members:
        await brand.send_message(member["id"], "New season is here", allow_paid_broadcast=True)


async def test_limits_can_be_switched_off(sandbox: Sandbox, brand: telegram.Bot, ada) -> None:
    sandbox.limits.enabled = False

    for n in range(10):
        await brand.send_message(ada["id"], f"message {n}")


async def test_a_bad_token_is_unauthorized_and_an_unknown_method_not_found(
    sandbox: Sandbox, brand: telegram.Bot
) -> None:
    async with httpx.AsyncClient() as http:
        bad_token = await http.post(f"{sandbox.api_base_url}123:nope/getMe")
        unknown = await http.post(f"{sandbox.api_base_url}{brand.token}/sendTelepathy")
        lower_case = await http.get(f"{sandbox.api_base_url}{brand.token}/getme")

    assert (bad_token.status_code, bad_token.json()["description"]) == (401, "Unauthorized")
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert lower_case.json()["result"]["username"] == BRAND


async def test_parameters_are_read_from_json_bodies_and_query_strings(
    sandbox: Sandbox, brand: telegram.Bot, ada
) -> None:
    async with httpx.AsyncClient() as http:
        as_json = await http.post(
            f"{sandbox.api_base_url}{brand.token}/sendMessage",
            json={
                "chat_id": ada["id"],
                "text": "json",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
            },
        )
        as_query = await http.get(
            f"{sandbox.api_base_url}{brand.token}/sendMessage", params={"chat_id": ada["id"], "text": "query"}
        )

    assert as_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    assert as_query.json()["result"]["text"] == "query"
