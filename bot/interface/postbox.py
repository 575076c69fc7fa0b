"""The one way a message is queued: outbox rows written in the caller's transaction, the
sender told once that transaction has committed.

Handlers queue their replies (Bot API calls they rendered) with `queue`; use cases hand
their messages as domain values to `post`, which renders them first. Jobs, the album
flusher and the sender's own notices use the same object on their own unit of work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.interface.render.base import Outgoing
from bot.interface.render.outbound import OutboundRenderer
from commerce.bots import BotKind
from commerce.messages import Outbound
from commerce.outbox import OutboxMessage, OutboxPurpose, SendLane
from commerce.ports.uow import Clock, UnitOfWork

if TYPE_CHECKING:
    from storage.backends import Backends

log = logging.getLogger("storelink.outbox")
Notify = Callable[[BotKind, int, SendLane], Awaitable[None]]
AlbumArrived = Callable[[BotKind, int, str], Awaitable[None]]


class Postbox:
    """A unit of work's outbox (and its after-commit effects), for one transaction."""

    def __init__(self, uow: UnitOfWork, *, clock: Clock, notify: Notify, renderer: OutboundRenderer,
                 backends: Backends | None = None, album_arrived: AlbumArrived | None = None) -> None:
        self.uow, self.clock, self._notify, self.renderer = uow, clock, notify, renderer
        self._backends, self._album_arrived = backends, album_arrived
        self._lanes: dict[tuple[BotKind, int], SendLane] = {}  # chats queued to, each with its most urgent lane

    async def queue(self, bot: BotKind, chat_id: int, outgoing: Sequence[Outgoing], *,
                    purpose: OutboxPurpose = OutboxPurpose.REPLY) -> OutboxMessage:
        """Write the calls as outbox rows: the first is the message (a reply to it reaches
        its writer); the rest follow as replies to it, the sender filling in its Telegram id
        once it is sent. Returns the first row."""
        now = self.clock.now()
        first = await self.uow.outbox.add(OutboxMessage(bot=bot, chat_id=chat_id, method=outgoing[0].method,
                                                        params=outgoing[0].params, created_at=now, purpose=purpose))
        for more in outgoing[1:]:
            params = {**more.params, "reply_parameters": {"message_id": {"outbox_id": first.id}}}
            await self.uow.outbox.add(OutboxMessage(bot=bot, chat_id=chat_id, method=more.method, params=params,
                                                    created_at=now, purpose=purpose))
        if not self._lanes:  # once per transaction: tell the sender of every chat, each in its most urgent lane
            self.uow.after_commit(self._tell_sender)
        key = (bot, chat_id)
        self._lanes[key] = min(self._lanes.get(key, purpose.lane), purpose.lane)
        return first

    async def _tell_sender(self) -> None:
        for (bot, chat_id), lane in sorted(self._lanes.items()):
            # The effects are committed; a queue hiccup must not turn them into an error for
            # the person. The rows are in the outbox and the sender's sweep publishes them.
            try:
                await self._notify(bot, chat_id, lane)
            except Exception as exc:
                log.warning("could not notify the sender (%s); the sweep will", type(exc).__name__)

    async def post(self, message: Outbound) -> int:
        row = await self.queue(message.bot, message.chat_id, self.renderer.render(message.body), purpose=message.purpose)
        assert row.id is not None
        return row.id

    async def first_of(self, key: str, ttl: float) -> bool:
        assert self._backends is not None, "a postbox for updates has the backends"
        return await self._backends.dedupe.first_seen(key, ttl)

    def album_item_held(self, bot: BotKind, chat_id: int, media_group_id: str) -> None:
        arrived = self._album_arrived
        if arrived is None:
            return  # no flusher in this process: the sweep relays the album

        async def start_timer() -> None:
            try:
                await arrived(bot, chat_id, media_group_id)
            except Exception:  # the item is committed: the sweep relays the album without a timer
                log.exception("could not start an album's timer")

        self.uow.after_commit(start_timer)



class Signals:
    """What a committed transaction tells the rest of this process: the sender that a chat
    has pending rows, the album flusher that an item arrived. It exists before the parts
    that listen (they are built with the Services that carry it); each part listens once
    it runs. Nobody listening is fine: the sender's and the flusher's sweeps find the rows."""

    def __init__(self) -> None:
        self._outbox: Notify | None = None
        self._album: AlbumArrived | None = None

    def listen(self, *, outbox: Notify | None = None, album: AlbumArrived | None = None) -> None:
        self._outbox = outbox or self._outbox
        self._album = album or self._album

    async def outbox_pending(self, bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        if self._outbox is not None:
            await self._outbox(bot, chat_id, lane)

    async def album_item_held(self, bot: BotKind, chat_id: int, media_group_id: str) -> None:
        if self._album is not None:
            await self._album(bot, chat_id, media_group_id)
