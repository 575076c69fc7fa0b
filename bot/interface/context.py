"""The typed dependencies handlers reach through `ctx.services`, and the per-update transaction."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.interface.i18n import Catalog, locale_for
from bot.interface.postbox import Postbox, Signals
from bot.interface.render.base import Outgoing, Renderer
from bot.interface.render.outbound import OutboundRenderer
from bot.runtime.metrics import Metrics
from bot.runtime.settings import Settings
from commerce.access import staff_chat
from commerce.bots import BotKind
from commerce.inbox import InboxStatus
from commerce.order_notices import Invoicing
from commerce.outbox import OutboxMessage, OutboxPurpose
from commerce.people import Associate, Brand
from commerce.ports.uow import Clock, UnitOfWork, UnitOfWorkFactory
from storage.repositories.brand import BrandChanges

if TYPE_CHECKING:
    from bot.interface.commands import Command
    from bot.interface.render.member import MemberRenderer
    from storage.backends import Backends


class AlreadyProcessed(Exception):
    """The update's effects were committed before (a redelivery): nothing to do."""


class BrandCopy:
    """The brand as stored, kept in this process between reads: every update uses the
    brand's texts and settings, which change rarely (`storelink brand load`), so reading
    the row for each one is a round trip per message for nothing.

    A copy is used for at most `ttl` seconds (the setting brand_refresh_seconds), so a
    change made by another process reaches the next person within that; a change this
    process commits itself (storage's BrandChanges) is read again at once. ttl 0 reads the
    row every time."""

    def __init__(self, ttl: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._now = ttl, now
        self._brand: Brand | None = None
        self._until = 0.0
        self._generation = -1

    async def get(self, uow: UnitOfWork, fallback: Brand) -> Brand:
        generation, now = BrandChanges.generation, self._now()
        if self._brand is None or generation != self._generation or now >= self._until:
            assert fallback.id is not None
            self._brand = await uow.brands.get(fallback.id) or fallback
            # The generation read before the row: a change committed meanwhile reads it again.
            self._generation, self._until = generation, now + self.ttl
        return dataclasses.replace(self._brand)  # a copy: whoever gets it may change it


@dataclass(frozen=True)
class Services:
    """Everything handlers and jobs use, built complete once the bots have said who they
    are (getMe), and never changed after: what changes while the bots run (the brand's
    texts) is read from the database (`current_brand`), not patched in here."""

    settings: Settings
    uow: UnitOfWorkFactory
    backends: Backends
    clock: Clock
    catalog: Catalog
    metrics: Metrics
    brand: Brand
    render: Renderer
    # Telegram usernames of the two bots (from getMe at start-up), for deep links.
    bot_usernames: Mapping[BotKind, str]
    # One statement with no transaction around it (Database.single_statement); None: uow.
    single_statement: UnitOfWorkFactory | None = None
    # Enrollment code keys: the first signs, all verify (rotation).
    signing_keys: tuple[bytes, ...] = ()
    # What a committed transaction tells the sender and the album flusher of this process.
    signals: Signals = field(default_factory=lambda: Signals())
    # The brand as last read (current_brand); a ttl of 0 reads it for every update.
    brand_copy: BrandCopy = field(default_factory=lambda: BrandCopy(0.0))

    def locale(self, update: Update) -> str:
        user = update.effective_user
        return locale_for(user.language_code if user else None, self.settings.default_locale)

    @property
    def member_views(self) -> MemberRenderer:
        from bot.interface.render.member import MemberRenderer

        return MemberRenderer(self.catalog, self.brand)

    @property
    def invoicing(self) -> Invoicing | None:
        """How orders paid by invoice are billed; None when no payment provider is set."""
        if not self.settings.takes_invoices or not self.signing_keys:
            return None
        return Invoicing(self.signing_keys[0])

    def transaction(self, bot: BotKind, update: Update | None = None) -> UpdateTransaction:
        return UpdateTransaction(self, bot, update)

    def postbox(self, uow: UnitOfWork, brand: Brand | None = None) -> Postbox:
        """The one way to queue messages in `uow`'s transaction (bot/interface/postbox.py); `brand`
        as read in that transaction."""
        renderer = OutboundRenderer(self.catalog, brand or self.brand, self.settings.default_locale)
        return Postbox(uow, clock=self.clock, notify=self.signals.outbox_pending, renderer=renderer,
                       backends=self.backends, album_arrived=self.signals.album_item_held)

    async def current_brand(self, uow: UnitOfWork) -> Brand:
        """The brand as stored: HQ may change its texts and settings (`storelink brand
        load`) while the bots run. Read at most every brand_refresh_seconds (BrandCopy)."""
        return await self.brand_copy.get(uow, self.brand)


# How handling the update this task is processing ended, as its transaction committed it:
# the ingress reads it rather than asking the inbox row again (one round trip per update).
# A ContextVar, not a shared set: PTB awaits a blocking handler in the ingress's own task,
# so what a handler sets here is seen by that task alone. Unset (None): the ingress reads
# the row, as it must for a handler that ran elsewhere.
HANDLED: ContextVar[InboxStatus | None] = ContextVar("storelink_handled", default=None)


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
        self._postbox: Postbox | None = None
        self._claimed_later = False  # the update's inbox row is claimed with a later write

    @property
    def uow(self) -> UnitOfWork:
        assert self._uow is not None, "use inside `async with`"
        return self._uow

    @property
    def postbox(self) -> Postbox:
        assert self._postbox is not None, "use inside `async with`"
        return self._postbox

    async def __aenter__(self) -> UpdateTransaction:
        self._uow = await self.services.uow().__aenter__()
        try:
            self.brand = await self.services.current_brand(self._uow)
            self._postbox = self.services.postbox(self._uow, self.brand)
            if self.update is None:
                return self
            inbox, at = self._uow.inbox, self.services.clock.now()
            if (later := getattr(inbox, "claim_done_later", None)) is not None:
                # Sent with the first outbox row, or before the commit; its answer is
                # checked before committing (a redelivery then rolls everything back).
                later(self.bot, self.update.update_id, at)
                self._claimed_later = True
                return self
            done = await inbox.claim_done(self.bot, self.update.update_id, at)
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
                if self._claimed_later and not await uow.inbox.claimed_later():  # type: ignore[attr-defined]
                    assert self.update is not None
                    raise AlreadyProcessed(f"{self.bot}:{self.update.update_id}")
                await uow.commit()
                if self.update is not None:
                    HANDLED.set(InboxStatus.DONE)
        finally:
            await uow.__aexit__(exc_type, exc, tb)

    @property
    def member_views(self) -> MemberRenderer:
        """The consumer bot's views, with the brand as read in this transaction."""
        from bot.interface.render.member import MemberRenderer

        return MemberRenderer(self.services.catalog, self.brand)

    def render(self, body: object) -> list[Outgoing]:
        """A use case's message body (commerce.messages) as the Bot API calls that send it."""
        return self.postbox.renderer.render(body)

    async def send(self, bot: BotKind, chat_id: int, outgoing: Outgoing, *,
                   purpose: OutboxPurpose = OutboxPurpose.REPLY) -> OutboxMessage:
        return await self.postbox.queue(bot, chat_id, [outgoing], purpose=purpose)

    async def notify_associate(self, associate: Associate, outgoing: Outgoing) -> None:
        """A notice about their members for an associate, if the staff bot may tell them."""
        chat_id = staff_chat(associate)
        if chat_id is not None:
            await self.send(BotKind.ASSOCIATE, chat_id, outgoing, purpose=OutboxPurpose.NOTICE)

    async def reply(self, update: Update, outgoing: Outgoing) -> OutboxMessage:
        """Answer in the chat the update came from, through the same bot."""
        assert update.effective_chat is not None
        return await self.send(self.bot, update.effective_chat.id, outgoing)


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
        assert services is not None, "Services are attached before the Application starts"
        return services

    @property
    def bot_kind(self) -> BotKind:
        kind = self.bot_data.kind
        assert kind is not None
        return kind


StorelinkApplication = Application[ExtBot, StorelinkContext, dict, dict, AppData, Any]
