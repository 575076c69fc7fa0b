"""The sandbox's world: bots, people, the private chats between them, their messages.

Only private chats exist: a chat's id is the person's user id, and each (bot, person)
pair is its own chat with its own message_id sequence, as a bot sees it on Telegram.
A bot can write to a person only after that person started it.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import BOT_BLOCKED, CHAT_NOT_FOUND, ApiError, bad_request
from bot.sandbox.files import FileStore, StoredFile
from bot.sandbox.invoices import Invoice
from bot.sandbox.updates import Signal, UpdateQueue

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"
PRE_CHECKOUT_TIMEOUT = 10.0


@dataclass
class Person:
    """A simulated Telegram user who talks to bots in private chats."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    # The account's own number: what a request_contact button shares. Never in as_user():
    # Telegram shows a bot a phone number only when the person shares it.
    phone_number: str = ""

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class BotAccount:
    id: int
    username: str
    first_name: str
    token: str
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    webhook: Webhook | None = None
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # profile settings as last set
    poll_generation: int = 0  # which getUpdates call is the current one

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}


@dataclass
class StoredMessage:
    """One message of a chat, with what it was before each edit."""

    message_id: int
    from_bot: bool
    date: int
    # text, photo, document, voice, video, audio, animation, contact, location, invoice,
    # successful_payment, refunded_payment
    kind: str
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    file: StoredFile | None = None
    contact: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    invoice: Invoice | None = None
    payment: dict[str, Any] | None = None  # of a successful_payment or refunded_payment message
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    media_group_id: str | None = None
    forward_origin: dict[str, Any] | None = None
    edit_date: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    # When the sandbox stored it (seconds since the epoch, sub-millisecond): `date` has
    # Telegram's whole seconds, too coarse to time a relay from one chat to another.
    created_at: float = field(default_factory=time.time)

    def remember_version(self) -> None:
        """Keep the current content in the edit history before it changes."""
        version = {"date": self.edit_date or self.date, "reply_markup": self.reply_markup}
        if self.text is not None:
            version.update(text=self.text, entities=self.entities)
        if self.caption is not None or self.file is not None:
            version.update(caption=self.caption, caption_entities=self.caption_entities)
        self.edits.append(version)


@dataclass
class Chat:
    bot: BotAccount
    person: Person
    instance: str
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0
    started: bool = False
    blocked: bool = False
    version: int = 0
    changed: Signal = field(default_factory=Signal)
    # The reply keyboard the person has under the input field: the last one a bot message
    # brought, until one with remove_keyboard takes it away. It belongs to the chat, not
    # to the message, so deleting that message leaves it in place.
    keyboard: dict[str, Any] | None = None

    def post(self, *, from_bot: bool, kind: str, date: int, **content: Any) -> StoredMessage:
        """Append a message with the chat's next message_id."""
        self.last_message_id += 1
        message = StoredMessage(self.last_message_id, from_bot, date, kind, **content)
        self.messages[message.message_id] = message
        markup = message.reply_markup or {}
        if from_bot and "keyboard" in markup:
            self.keyboard = markup
        elif from_bot and markup.get("remove_keyboard"):
            self.keyboard = None
        self.touch()
        return message

    def find(self, message_id: int | None) -> StoredMessage | None:
        message = self.messages.get(message_id) if message_id is not None else None
        return None if message is None or message.deleted else message

    def touch(self) -> None:
        """Note a change so transcript readers waiting on this chat wake up."""
        self.version += 1
        self.changed.fire()


@dataclass
class CallbackQuery:
    """A button press waiting for the bot's answerCallbackQuery."""

    id: str
    bot_id: int
    answer: dict[str, Any] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class PreCheckout:
    """A person's payment waiting for the bot's answerPreCheckoutQuery."""

    id: str
    bot_id: int
    answer: dict[str, Any] | None = None
    expired: bool = False  # the deadline passed; a late answer is refused
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Charge:
    """A completed payment, for refunds."""

    bot_id: int
    user_id: int
    currency: str
    total_amount: int
    invoice_payload: str
    refunded: bool = False


class World:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.bots: dict[str, BotAccount] = {}  # by token
        self.bots_by_username: dict[str, BotAccount] = {}
        self.people: dict[int, Person] = {}
        self.chats: dict[tuple[int, int], Chat] = {}
        self.files = FileStore()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.pre_checkouts: dict[str, PreCheckout] = {}
        self.charges: dict[str, Charge] = {}  # by telegram_payment_charge_id
        # Telegram gives a bot 10 s to answer a pre-checkout query, then cancels the payment.
        self.pre_checkout_timeout = PRE_CHECKOUT_TIMEOUT
        self.closing = False  # set while the server stops, so long polls answer at once
        self._bot_ids = itertools.count(7_000_000_001)
        self._person_ids = itertools.count(100_000_001)
        self._instances = itertools.count(4_000_000_000_000_000_001)
        self._query_ids = itertools.count(5_000_000_000_000_000_001)
        self._charge_ids = itertools.count(1)

    def now(self) -> int:
        return int(self.clock())

    def create_bot(self, username: str, first_name: str | None = None) -> BotAccount:
        username = username.lstrip("@")
        existing = self.bots_by_username.get(username.lower())
        if existing:
            return existing
        bot_id = next(self._bot_ids)
        token = f"{bot_id}:" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(35))
        account = BotAccount(bot_id, username, first_name or username, token)
        self.bots[token] = account
        self.bots_by_username[username.lower()] = account
        return account

    def bot_named(self, name: str | int) -> BotAccount | None:
        if isinstance(name, int) or str(name).isdigit():
            return next((b for b in self.bots.values() if b.id == int(name)), None)
        return self.bots_by_username.get(str(name).lstrip("@").lower())

    def create_person(self, first_name: str, **details: Any) -> Person:
        person_id = next(self._person_ids)
        # A fictional +1 555 number, unique per person, unless the caller gave one.
        details["phone_number"] = details.get("phone_number") or f"+1555{person_id:09d}"
        person = Person(person_id, first_name, **details)
        self.people[person.id] = person
        return person

    def open_chat(self, bot: BotAccount, person: Person) -> Chat:
        chat = self.chats.get((bot.id, person.id))
        if chat is None:
            chat = Chat(bot, person, str(next(self._instances)))
            self.chats[(bot.id, person.id)] = chat
        return chat

    def reachable_chat(self, bot: BotAccount, chat_id: Any) -> Chat:
        """The chat a bot method targets, refused the way Telegram refuses it."""
        try:
            key = (bot.id, int(chat_id))
        except (TypeError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None
        chat = self.chats.get(key)
        if chat is None or not chat.started:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.blocked:
            raise ApiError(403, BOT_BLOCKED)
        return chat

    def new_callback_query(self, bot: BotAccount) -> CallbackQuery:
        query = CallbackQuery(str(next(self._query_ids)), bot.id)
        self.callbacks[query.id] = query
        return query

    def new_pre_checkout(self, bot: BotAccount) -> PreCheckout:
        query = PreCheckout(str(next(self._query_ids)), bot.id)
        self.pre_checkouts[query.id] = query
        return query

    def new_charge_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._charge_ids):06d}{secrets.token_hex(6)}"

    def wake_waiters(self) -> None:
        for bot in self.bots.values():
            bot.updates.arrived.fire()
        for chat in self.chats.values():
            chat.changed.fire()
        for query in self.pre_checkouts.values():
            query.answered.set()

    def reset(self) -> None:
        """Forget people, chats and files; bots, their settings and update_ids stay."""
        self.wake_waiters()
        self.people.clear()
        self.chats.clear()
        self.files.clear()
        self.callbacks.clear()
        self.pre_checkouts.clear()
        self.charges.clear()
        for bot in self.bots.values():
            bot.updates.clear()
