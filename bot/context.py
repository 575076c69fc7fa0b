"""The typed dependencies handlers reach through `ctx.services`, and the per-update transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Catalog, locale_for
from bot.metrics import Metrics
from bot.render import Outgoing, Renderer
from bot.settings import Settings
from commerce.model import BotKind, Brand, OutboxMessage, OutboxPurpose, SendLane
from commerce.ports import Clock, NotifySender, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from bot.commands import Command
    from bot.render_member import MemberRenderer
    from storage.backends import Backends


class AlreadyProcessed(Exception):
    """The update's effects were committed before (a redelivery): nothing to do."""


@dataclass
class Services:
    settings: Settings
    uow: UnitOfWorkFactory
    backends: Backends
    clock: Clock
    catalog: Catalog
    metrics: Metrics
    brand: Brand
    render: Renderer
    # One statement with no transaction around it (Database.single_statement); None: uow.
    single_statement: UnitOfWorkFactory | None = None
    # Enrollment code keys: the first signs, all verify (rotation).
    signing_keys: list[bytes] = field(default_factory=list)
    # Telegram usernames of the two bots (from getMe at start-up), for deep links.
    bot_usernames: dict[BotKind, str] = field(default_factory=dict)
    # Called after a commit that queued outbound messages for (bot, chat_id), in the lane
    # of the most urgent of them.
    notify_outbox: NotifySender = field(default=lambda bot, chat, lane=SendLane.CONVERSATION: _noop())
    # Called after a commit that buffered an album item (bot, chat_id, media_group_id).
    album_arrived: Callable[[BotKind, int, str], Awaitable[None]] = field(default=lambda bot, chat, group: _noop())
    # Failures the error handler saw, read back by the ingress for the update it is processing.
    failed_updates: dict[tuple[BotKind, int], str] = field(default_factory=dict)
    # Updates whose own transaction committed them DONE, read back by the ingress: their
    # inbox row needs no second transaction.
    settled_updates: set[tuple[BotKind, int]] = field(default_factory=set)

    def locale(self, update: Update) -> str:
        user = update.effective_user
        return locale_for(user.language_code if user else None, self.settings.default_locale)

    @property
    def member_views(self) -> MemberRenderer:
        from bot.render_member import MemberRenderer

        return MemberRenderer(self.catalog, self.brand)

    def transaction(self, bot: BotKind, update: Update | None = None) -> UpdateTransaction:
        return UpdateTransaction(self, bot, update)


async def _noop() -> None:
    return None


class UpdateTransaction:
    """One transaction for one update: its effects, the outbox rows they cause and the
    inbox row marked done commit together; the sender is told only after the commit.

    async with services.transaction(BotKind.CONSUMER, update) as tx:
        ...use tx.uow...
        await tx.reply(update, outgoing)
    """

    def __init__(self, services: Services, bot: BotKind, update: Update | None) -> None:
        self.services = services
        self.bot = bot
        self.update = update
        self._uow: UnitOfWork | None = None
        self._chats: dict[tuple[BotKind, int], SendLane] = {}  # the most urgent lane queued per chat

    @property
    def uow(self) -> UnitOfWork:
        assert self._uow is not None, "use inside `async with`"
        return self._uow

    async def __aenter__(self) -> UpdateTransaction:
        self._uow = await self.services.uow().__aenter__()
        if self.update is None:
            return self
        try:
            done = await self._uow.inbox.claim_done(self.bot, self.update.update_id, self.services.clock.now())
        except BaseException as exc:
            await self._uow.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        if not done:
            await self._uow.__aexit__(None, None, None)
            raise AlreadyProcessed(f"{self.bot}:{self.update.update_id}")
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        uow = self.uow
        try:
            if exc_type is None:
                for (bot, chat_id), lane in sorted(self._chats.items()):
                    uow.after_commit(_bind(self.services.notify_outbox, bot, chat_id, lane))
                if self.update is not None:
                    uow.after_commit(self._settled)
                await uow.commit()
        finally:
            await uow.__aexit__(exc_type, exc, tb)

    async def _settled(self) -> None:
        assert self.update is not None
        self.services.settled_updates.add((self.bot, self.update.update_id))

    async def send(self, bot: BotKind, chat_id: int, outgoing: Outgoing, *,
                   purpose: OutboxPurpose = OutboxPurpose.REPLY) -> OutboxMessage:
        message = OutboxMessage(
            bot=bot, chat_id=chat_id, method=outgoing.method, params=outgoing.params, created_at=self.services.clock.now(),
            purpose=purpose,
        )
        key = (bot, chat_id)
        self._chats[key] = min(self._chats.get(key, purpose.lane), purpose.lane)
        return await self.uow.outbox.add(message)

    async def reply(self, update: Update, outgoing: Outgoing) -> OutboxMessage:
        """Answer in the chat the update came from, through the same bot."""
        assert update.effective_chat is not None
        return await self.send(self.bot, update.effective_chat.id, outgoing)


def _bind(notify: NotifySender, bot: BotKind, chat_id: int, lane: SendLane) -> Callable[[], Awaitable[None]]:
    async def after_commit() -> None:
        # The effects are committed; a queue hiccup must not turn them into an error for
        # the person. The rows are in the outbox and the sender's sweep publishes them.
        try:
            await notify(bot, chat_id, lane)
        except Exception as exc:
            logging.getLogger("storelink.outbox").warning("could not notify the sender (%s); the sweep will", type(exc).__name__)

    return after_commit


class AppData:
    """PTB's bot_data for our Applications: typed, not a dict of strings."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.kind: BotKind | None = None
        self.commands: list[Command] = []  # the bot's registered commands: /help and menus


class StorelinkContext(CallbackContext[ExtBot, dict, dict, AppData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        assert services is not None, "Services are attached when the Application is built"
        return services

    @property
    def bot_kind(self) -> BotKind:
        kind = self.bot_data.kind
        assert kind is not None
        return kind


StorelinkApplication = Application[ExtBot, StorelinkContext, dict, dict, AppData, Any]
