"""Given/when/then for end-to-end tests: the store people meet, what they do, and what the
chats and the database say afterwards.

Given a store in Shanghai with two associates, Bob and Lina, each with a signed
enrollment code and a short code, and a reward rule of 10% off for 30 days (open_shop);
for availability, the same store with its hours, Lina as its manager, Carol on the team
and the runtime's clock in the test's hands (open_team). A scan is the person sending
"/start <code>" to the consumer bot, exactly what Telegram does for a deep link.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image

from bot.interface.render import base as render
from bot.sandbox.shapes import callback_query_json, message_json
from commerce.bots import BotKind
from commerce.codes import make_short_code, sign_enrollment_code
from commerce.outbox import OutboxStatus
from commerce.people import Associate, AssociateStatus, Link, Member, Store
from commerce.rewards import Coupon, RewardRule, Scan

if TYPE_CHECKING:
    from tests.e2e.conftest import Clock

STORE_NAME = "Shanghai Xintiandi"
HEADER_OF = "💬 {name} · " + STORE_NAME
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)


# --- given: a store, its team and a reward ------------------------------------------


@dataclass
class Shop:
    store: Store
    bob: Associate
    lina: Associate
    key: bytes

    @property
    def bob_user(self) -> int:
        assert self.bob.telegram_user_id is not None
        return self.bob.telegram_user_id

    @property
    def lina_user(self) -> int:
        assert self.lina.telegram_user_id is not None
        return self.lina.telegram_user_id

    def code(self, associate: Associate) -> str:
        """The start payload printed in the associate's QR code."""
        assert associate.id is not None
        return sign_enrollment_code(associate.id, self.key)


async def open_shop(stack, *, reward: bool = True) -> Shop:
    """A store with Bob and Lina, both signed in to the associate bot (so notices reach them)."""
    bob_user = await stack.person("Bob")
    lina_user = await stack.person("Lina")
    services = stack.runtime.services
    key = services.signing_keys[0]
    async with services.uow() as uow:
        store = await uow.stores.add(Store(brand_id=services.brand.id, code="SH1", name=STORE_NAME))
        team = []
        for name, user in (("Bob", bob_user), ("Lina", lina_user)):
            associate = await uow.associates.add(Associate(store_id=store.id, display_name=name, short_code=f"TMP{name}", telegram_user_id=user))
            associate.short_code = make_short_code(associate.id, key)
            await uow.associates.update(associate)
            team.append(associate)
        if reward:
            await uow.rewards.add_rule(RewardRule(brand_id=services.brand.id, percent_off=10, valid_days=30))
        await uow.commit()
    for reply in await asyncio.gather(*(stack.reply_to(user, stack.associate_bot, "/start") for user in (bob_user, lina_user))):
        assert "associate of Shanghai Xintiandi" in reply["text"]
    return Shop(store, team[0], team[1], key)


async def set_status(stack, associate: Associate, status: AssociateStatus) -> None:
    async with stack.runtime.services.uow() as uow:
        associate.status = status
        await uow.associates.update(associate)
        await uow.commit()


@dataclass
class Team:
    shop: Shop
    carol: Associate
    clock: Clock

    @property
    def carol_user(self) -> int:
        assert self.carol.telegram_user_id is not None
        return self.carol.telegram_user_id


async def open_team(stack, at: datetime) -> Team:
    """The shop in Shanghai with its hours, Lina as its manager and Carol signed in too."""
    clock = stack.clock
    clock.set(at)
    shop = await open_shop(stack, reward=False)
    carol_user = await stack.person("Carol")
    async with stack.runtime.services.uow() as uow:
        store = await uow.stores.get(shop.store.id)
        store.timezone, store.hours = "Asia/Shanghai", "Mon-Sat 10:00-22:00"
        await uow.stores.update(store)
        shop.lina.is_manager = True
        await uow.associates.update(shop.lina)
        carol = await uow.associates.add(Associate(store_id=store.id, display_name="Carol", short_code="TMPCarol",
                                                   telegram_user_id=carol_user))
        carol.short_code = make_short_code(carol.id, shop.key)
        await uow.associates.update(carol)
        await uow.commit()
    await stack.reply_to(carol_user, stack.associate_bot, "/start")
    return Team(shop, carol, clock)


async def open_chat(stack, first_name: str) -> tuple[int, int]:
    """A person who has talked to the bot (Telegram lets bots write only to them), and the
    number of sendMessage calls made so far, so a test can look at its own calls only."""
    person = await stack.person(first_name)
    await stack.reply_to(person, stack.consumer_bot, "/help")
    await stack.runtime.sender_idle()
    return person, len(await stack.people.calls(bot=stack.consumer_bot, method="sendMessage"))


# --- when: what people do -------------------------------------------------------------


async def scan(stack, user: int, code: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The person scans a poster; returns the bot's first answer."""
    return await stack.reply_to(user, stack.consumer_bot, f"/start {code}", timeout=timeout)


async def enrol(stack, shop: Shop, user: int, associate: Associate) -> dict[str, Any]:
    """A first scan, until both welcome messages and the associate's notice arrived."""
    welcome = await scan(stack, user, shop.code(associate))
    await wait_for_text(stack, user, stack.consumer_bot, "phone number", after=welcome["message_id"])
    await wait_for_text(stack, associate.telegram_user_id, stack.associate_bot, "🎉 New member")
    await settle(stack)
    return welcome


async def settle(stack) -> None:
    """Every update handled and every message it caused delivered."""
    await stack.runtime.ingress.drain()
    await stack.runtime.sender_idle()


async def press(stack, user: int, bot: str, message: dict[str, Any], data: str) -> dict[str, Any]:
    answer = await stack.people.press_button(user, bot, message["message_id"], data, timeout=5.0)
    assert answer["answered"], f"no answer to {data}"
    return answer


async def wait_for_text(stack, user: int, bot: str, needle: str, *, after: int = 0, timeout: float = 10.0) -> dict[str, Any]:
    return await stack.people.wait_for(user, bot, lambda m: needle in (m["text"] or ""), timeout, after_message_id=after)


async def wait_for_edit(stack, user: int, bot: str, message: dict[str, Any], needle: str, timeout: float = 10.0) -> dict[str, Any]:
    """The message, once edited to contain needle."""
    message_id = message["message_id"]
    return await stack.people.wait_for(
        user, bot, lambda m: m["message_id"] == message_id and needle in (m["text"] or ""), timeout, after_message_id=message_id - 1
    )


async def push_callback(stack, user: int, bot: str, message_id: int, data: str, timeout: float = 10.0) -> dict[str, Any]:
    """A button press with data of the client's choosing (the sandbox's own press_button
    only presses buttons the message has): what a modified client can send."""
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, bot)
    message = chat.find(message_id)
    assert message is not None and message.from_bot
    query = sandbox.world.new_callback_query(chat.bot)
    chat.bot.updates.push("callback_query", callback_query_json(sandbox.world, chat, message, query.id, data))
    async with asyncio.timeout(timeout):
        await query.answered.wait()
    return query.answer


async def push_message(stack, user: int, bot: str, kind: str, **content: Any) -> dict[str, Any]:
    """A message the sandbox's people API has no verb for (e.g. someone else's contact card)."""
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, bot)
    chat.started = True
    message = chat.post(from_bot=False, kind=kind, date=sandbox.world.now(), **content)
    chat.bot.updates.push("message", message_json(sandbox.world, chat, message))
    return {"message_id": message.message_id}


async def enrol_with_bob(stack, shop: Shop, user: int, name: str) -> None:
    """A first scan of Bob's code, in any language, until Bob has heard of the new member."""
    await scan(stack, user, shop.code(shop.bob))
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"New member: {name}")
    await settle(stack)


async def says(stack, user: int, text: str, to: int) -> None:
    """A member's message, once relayed to their associate (user `to`) and everything its
    transaction wrote (an auto-reply) delivered."""
    await stack.people.send_text(user, stack.consumer_bot, text)
    await stack.people.wait_for(to, stack.associate_bot, lambda m: text in (m["text"] or ""), 10.0)
    await settle(stack)


async def command(stack, user: int, text: str) -> dict[str, Any]:
    """The bot's answer to an associate's command (members' relayed messages may arrive meanwhile)."""
    sent = await stack.people.send_text(user, stack.associate_bot, text)
    answer = await stack.people.wait_for(user, stack.associate_bot, lambda m: not (m["text"] or "").startswith("💬"), 10.0,
                                         after_message_id=sent["message_id"])
    await settle(stack)
    return answer


def png(colour: str, size: tuple[int, int] = (9, 7)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def member_says(stack, user: int, text: str) -> None:
    await stack.people.send_text(user, stack.consumer_bot, text)


async def associate_reads(stack, associate_user: int, needle: str) -> dict[str, Any]:
    """The relayed message, once delivered and its Telegram id recorded (so a reply finds it)."""
    message = await wait_for_text(stack, associate_user, stack.associate_bot, needle)
    await settle(stack)
    return message


async def associate_replies(stack, associate_user: int, relayed: dict[str, Any], text: str) -> dict[str, Any]:
    return await stack.people.send_text(associate_user, stack.associate_bot, text, reply_to_message_id=relayed["message_id"])


async def chats(stack, associate_user: int) -> dict:
    sent = await stack.people.send_text(associate_user, stack.associate_bot, "/chats")
    return await stack.people.wait_for(associate_user, stack.associate_bot, lambda m: True, 10.0, after_message_id=sent["message_id"])


async def queue_messages(stack, chat_id: int, *bodies: str) -> list[int]:
    async with stack.runtime.services.transaction(BotKind.CONSUMER) as tx:
        messages = [await tx.send(BotKind.CONSUMER, chat_id, render.text(body)) for body in bodies]
    return [message.id for message in messages]


# --- then: what the database and the chats say ------------------------------------------


@dataclass
class Membership:
    member: Member | None
    links: list[Link]
    coupons: list[Coupon]
    scans: list[Scan]

    @property
    def current(self) -> Link | None:
        open_links = [link for link in self.links if link.ended_at is None]
        assert len(open_links) <= 1, open_links
        return open_links[0] if open_links else None


async def membership(stack, user: int) -> Membership:
    services = stack.runtime.services
    async with services.uow() as uow:
        member = await uow.members.by_telegram_user(services.brand.id, user)
        links = list(await uow.links.history(member.id)) if member else []
        coupons = list(await uow.rewards.coupons_of(member.id)) if member else []
        scans = list(await uow.scans.of_user(user))
    return Membership(member, links, coupons, scans)


async def count_rows(stack, table: str) -> int:
    """Rows of a whole table: "exactly one" must not hide a second row under another key."""
    assert table in {"member", "link", "coupon", "scan"}
    async with stack.runtime.services.uow() as uow:
        return (await uow.session.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def bot_texts(stack, user: int, bot: str) -> list[str]:
    return [m["text"] or "" for m in await stack.bot_messages(user, bot)]


async def notices(stack, user: int, needle: str) -> list[str]:
    return [t for t in await bot_texts(stack, user, stack.associate_bot) if needle in t]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def history_of(stack, user: int):
    services = stack.runtime.services
    state = await membership(stack, user)
    async with services.uow() as uow:
        return list(reversed(await uow.conversations.of_member(state.member.id, 50)))


async def outbox_status(stack, message_id: int, wanted: OutboxStatus, timeout: float = 10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with stack.runtime.services.uow() as uow:
            message = await uow.outbox.get(message_id)
        if message.status is wanted or loop.time() > deadline:
            return message
        await asyncio.sleep(0.05)
