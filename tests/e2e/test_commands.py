"""Every command gets an answer, in both bots, whoever sends it: a command that is not
theirs is refused with their own help, an unknown one is named with their help. /help and
the command menus come from the same registration, in each language.

Given the store of the enrollment tests (Bob and Lina), a member enrolled by scanning, an
HQ operator, and strangers. Both stacks run every test.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import BotCommandScopeChat, BotCommandScopeDefault

from bot.interface.commands import commands_of
from commerce.bots import BotKind
from commerce.people import Associate, HQOperator
from storage.backends import SendLimits
from tests.e2e.scenario import enrol, open_shop, scan, settle


@pytest.fixture
def stack_limits() -> SendLimits:
    """One person sends many commands here; Telegram's pace per chat is tests/e2e/test_delivery.py's."""
    return SendLimits(per_chat_rate=50.0, per_chat_burst=30)


async def answers(stack, user: int, bot: str, text: str) -> list[dict[str, Any]]:
    """Everything the bot said back to `text`, once the update and its messages are done."""
    sent = await stack.people.send_text(user, bot, text)
    await stack.people.wait_for(user, bot, lambda m: True, 10.0, after_message_id=sent["message_id"])
    await settle(stack)
    return [m for m in await stack.bot_messages(user, bot) if m["message_id"] > sent["message_id"]]


async def hq_operator(stack, name: str = "Hannah", *, language_code: str = "en") -> int:
    user = await stack.person(name, language_code=language_code)
    async with stack.runtime.services.uow() as uow:
        await uow.hq.add(HQOperator(brand_id=stack.runtime.services.brand.id, name=name, telegram_user_id=user))
        await uow.commit()
    return user


def help_lines(message: dict[str, Any]) -> list[tuple[str, str]]:
    """The "/command — what it does" lines of a help, as the person reads them."""
    return [tuple(line[1:].split(" — ", 1)) for line in message["text"].splitlines()  # type: ignore[misc]
            if line.startswith("/") and " — " in line]


def registered(stack, bot: BotKind) -> list[str]:
    return [c.name for c in commands_of(stack.runtime.applications[bot].handlers[0])]


async def test_an_unknown_command_gets_one_answer_with_the_senders_help_in_both_bots(stack):
    shop = await open_shop(stack)
    member = await stack.person("Alice")
    await enrol(stack, shop, member, shop.bob)
    guest, stranger, hq = await stack.person("Gus"), await stack.person("Sam"), await hq_operator(stack)
    people = [(member, stack.consumer_bot, "/me"), (guest, stack.consumer_bot, "/start"),
              (shop.bob_user, stack.associate_bot, "/welcome"), (hq, stack.associate_bot, "/leaderboard"),
              (stranger, stack.associate_bot, "/start")]

    for user, bot, one_of_theirs in people:
        said = await answers(stack, user, bot, "/foo")

        assert len(said) == 1, f"{bot}: {said}"
        assert said[0]["text"].startswith("Unknown command /foo. Here is what you can do:")
        assert one_of_theirs[1:] in [name for name, _ in help_lines(said[0])]


async def test_a_stranger_gets_one_clear_answer_to_every_staff_command(stack):
    stranger = await stack.person("Sam")
    for name in registered(stack, BotKind.ASSOCIATE):
        said = await answers(stack, stranger, stack.associate_bot, f"/{name}")
        assert len(said) == 1, f"/{name}: {said}"
    chats = await answers(stack, stranger, stack.associate_bot, "/chats")
    history = await answers(stack, stranger, stack.associate_bot, "/history")

    assert chats[0]["text"].startswith("/chats is for store associates.\n\nMaison Test staff bot")
    assert "invite link" in chats[0]["text"]
    assert history[0]["text"].startswith("/history is for store associates.")


async def test_hq_is_told_that_chats_and_history_are_for_associates(stack):
    hq = await hq_operator(stack)
    said = await answers(stack, hq, stack.associate_bot, "/chats")

    assert said[0]["text"].startswith("/chats is for store associates.\n\nMaison Test staff bot — HQ")
    assert ("leaderboard", "the recruitment ranking (add week or month)") in help_lines(said[0])


async def test_a_non_member_gets_one_answer_to_every_consumer_command(stack):
    guest = await stack.person("Gus")
    for name in registered(stack, BotKind.CONSUMER):
        said = await answers(stack, guest, stack.consumer_bot, f"/{name}")
        assert len(said) == 1, f"/{name}: {said}"


@pytest.mark.parametrize(("language", "code"), [("en", "en"), ("zh-hans", "zh")])
async def test_the_menus_are_each_roles_help_in_their_language(stack, language: str, code: str):
    shop = await open_shop(stack)
    member = await stack.person("Alice", language_code=language)
    await scan(stack, member, shop.code(shop.bob))
    await settle(stack)
    mia = await stack.person("Mia", language_code=language)
    async with stack.runtime.services.uow() as uow:
        await uow.associates.add(Associate(store_id=shop.store.id, display_name="Mia", short_code="MIA777", telegram_user_id=mia))
        await uow.commit()
    hq = await hq_operator(stack, language_code=language)
    await answers(stack, hq, stack.associate_bot, "/start")  # an operator added while the bot runs gets their menu here
    consumer, staff = stack.runtime.applications[BotKind.CONSUMER].bot, stack.runtime.applications[BotKind.ASSOCIATE].bot

    async def menu(bot, scope) -> list[tuple[str, str]]:
        return [(c.command, c.description) for c in await bot.get_my_commands(scope=scope, language_code=code)]

    member_help = help_lines((await answers(stack, member, stack.consumer_bot, "/help"))[0])
    associate_help = help_lines((await answers(stack, mia, stack.associate_bot, "/help"))[0])
    hq_help = help_lines((await answers(stack, hq, stack.associate_bot, "/help"))[0])

    assert "me" in dict(member_help) and "welcome" in dict(associate_help)
    assert [name for name, _ in hq_help] == ["start", "leaderboard", "help"]
    assert await menu(consumer, BotCommandScopeDefault()) == member_help
    assert await menu(staff, BotCommandScopeDefault()) == associate_help
    assert await menu(staff, BotCommandScopeChat(hq)) == hq_help


@pytest.mark.parametrize("command", ["/members", "/tag vip", "/untag vip", "/note prefers navy", "/done", "/hours",
                                     "/away 2h", "/back", "/escalations"])
async def test_hq_and_strangers_are_told_whom_a_workspace_or_availability_command_is_for_with_their_help(stack, command):
    hq, stranger = await hq_operator(stack), await stack.person("Sam")
    name = command.split()[0]

    for user, title in ((hq, "Maison Test staff bot — HQ"), (stranger, "Maison Test staff bot")):
        said = await answers(stack, user, stack.associate_bot, command)

        assert len(said) == 1, said
        assert said[0]["text"].startswith(f"{name} is for store associates.\n\n{title}")
        assert ("help", "what you can do here") in help_lines(said[0])


@pytest.mark.parametrize("command", ["/qr", "/welcome", "/welcome Hi {member}"])
async def test_hq_and_strangers_are_told_qr_and_welcome_are_for_associates_with_their_help(stack, command):
    shop = await open_shop(stack)
    hq, stranger = await hq_operator(stack), await stack.person("Sam")
    name = command.split()[0]

    for user, title in ((hq, "Maison Test staff bot — HQ"), (stranger, "Maison Test staff bot")):
        said = await answers(stack, user, stack.associate_bot, command)

        assert len(said) == 1, said
        assert said[0]["text"].startswith(f"{name} is for store associates.\n\n{title}")
        assert ("help", "what you can do here") in help_lines(said[0])
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.bob.id)).welcome_text is None


async def test_a_stranger_is_told_leaderboard_is_for_associates_and_hq_with_their_help(stack):
    stranger = await stack.person("Sam")

    said = await answers(stack, stranger, stack.associate_bot, "/leaderboard week")

    assert len(said) == 1 and said[0]["kind"] == "text", said
    assert said[0]["text"].startswith("/leaderboard is for store associates and HQ operators.\n\nMaison Test staff bot\n")
    assert "invite link" in said[0]["text"] and "leaderboard" not in dict(help_lines(said[0]))


@pytest.mark.parametrize("command", ["/me", "/switch", "/stopchat", "/stop"])
async def test_a_guest_is_told_a_members_command_is_for_members_with_the_guests_help(stack, command):
    guest = await stack.person("Gus")

    said = await answers(stack, guest, stack.consumer_bot, command)

    assert len(said) == 1, said
    assert said[0]["text"].startswith(f"{command} is for members.\n\nMaison Test — your personal shopping assistant.")
    assert [name for name, _ in help_lines(said[0])] == ["start", "help"]
    assert said[0]["text"].endswith("send the short code printed under it.")


async def test_the_refusal_speaks_the_senders_language(stack):
    guest, stranger = await stack.person("Mei", language_code="zh-hans"), await stack.person("Wei", language_code="zh-hans")

    me = await answers(stack, guest, stack.consumer_bot, "/me")
    leaderboard = await answers(stack, stranger, stack.associate_bot, "/leaderboard")

    assert me[0]["text"].startswith("/me 仅供会员使用。\n\n")
    assert leaderboard[0]["text"].startswith("/leaderboard 仅供门店导购和总部人员使用。\n\n")
