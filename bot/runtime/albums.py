"""Relaying an album as one album, a member's to their associate or an associate's to the
member: rendering it, and the timers and sweeps that flush the buffer.

Items are held by the relay's use cases (commerce/album_relay.py) in their own updates'
transactions. This process then waits for the album to go quiet (a timer per album) and
flushes it in one transaction: the claim, the outbox rows and the history links commit
together. A process that stops or crashes leaves its albums in the buffer; every process
sweeps for albums that went quiet without being flushed and relays them.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.interface.render.base import TEXT_LIMIT, Outgoing, fit
from bot.interface.render.relay import CAPTION_LIMIT, Content, RelayRenderer, compose
from commerce.album_relay import flush_album
from commerce.albums import AlbumItem, AlbumKey, NotYet
from commerce.bots import BotKind
from commerce.conversations import MessageKind
from commerce.people import Associate, Member, Store

if TYPE_CHECKING:
    from bot.interface.context import Services

log = logging.getLogger("storelink.albums")
SWEEP_BATCH = 100


def album_for_associate(views: RelayRenderer, member: Member, associate: Associate, store: Store,
                        part: Sequence[AlbumItem], tags: Sequence[str] = ()) -> list[Outgoing]:
    """One media group with the header on its first item (each item keeps its own caption).
    A part of one item is an ordinary relayed message. A media group cannot carry buttons:
    if the relayed copy of a single item would have some, they follow in a short message
    that replies to the album."""
    single = views.to_associate(member, associate, store, content_of_item(part[0]), tags)
    if len(part) == 1:
        return single
    head = album_header(views, member, associate, store, tags)
    media = [_media(item, head if position == 0 else None) for position, item in enumerate(part)]
    out = [Outgoing("sendMediaGroup", {"media": media})]
    markup = single[0].params.get("reply_markup")
    if markup:
        out.append(Outgoing("sendMessage", {"text": fit(f"{head}\n{views.t(associate.locale, 'album.buttons')}", TEXT_LIMIT),
                                            "parse_mode": "HTML", "reply_markup": markup}))
    return out


def album_for_member(views: RelayRenderer, locale: str, associate: Associate, store: Store,
                     part: Sequence[AlbumItem]) -> list[Outgoing]:
    """An associate's album as the member gets it: one media group, the persona on its
    first item (each item keeps its own caption). A part of one item is an ordinary reply."""
    if len(part) == 1:
        return views.to_member(locale, associate, store, content_of_item(part[0]))
    head = views.persona(locale, associate, store)
    return [Outgoing("sendMediaGroup", {"media": [_media(item, head if position == 0 else None) for position, item in enumerate(part)]})]


def album_header(views: RelayRenderer, member: Member, associate: Associate, store: Store, tags: Sequence[str] = ()) -> str:
    """The header exactly as a relayed photo without a caption carries it (name, tier,
    store, tags: whatever the relay shows on single messages)."""
    bare = views.to_associate(member, associate, store, Content(MessageKind.PHOTO, None, "-"), tags)
    return str(bare[0].params["caption"])


def content_of_item(item: AlbumItem) -> Content:
    return Content(item.kind, item.caption, item.file_id, item.file_name, item.mime_type)


def _media(item: AlbumItem, head: str | None) -> dict[str, Any]:
    ref = {"from_bot": item.bot.value, "file_id": item.file_id}
    ref |= {k: v for k, v in (("file_name", item.file_name), ("mime_type", item.mime_type)) if v}
    entry: dict[str, Any] = {"type": item.kind.value, "media": ref, "parse_mode": "HTML"}
    caption = item_caption(head, item.caption)
    if caption:
        entry["caption"] = caption
    return entry


def item_caption(head: str | None, caption: str | None) -> str:
    """The item's caption, escaped and shortened to Telegram's limit (UTF-16 units of the
    text as shown), under the header if given: the relay's own rule (render_relay.compose)."""
    if head:
        return compose(head, caption, CAPTION_LIMIT)
    return compose(html.escape(caption or "", quote=False), None, CAPTION_LIMIT)


class AlbumFlusher:
    """The timers of this process's albums, and the sweep for everyone's forgotten ones."""

    def __init__(self, services: Services, quiet: float) -> None:
        self.services = services
        self.quiet = timedelta(seconds=quiet)
        self._timers: dict[AlbumKey, asyncio.Task[None]] = {}  # still waiting: may be cancelled
        self._flushing: set[asyncio.Task[None]] = set()  # past waiting: let them finish
        self._stopped = asyncio.Event()  # set by stop(): no more timers, flushes or sweeps here

    @property
    def waiting(self) -> frozenset[asyncio.Task[None]]:
        """Timers still waiting for their album to go quiet."""
        return frozenset(self._timers.values())

    @property
    def flushing(self) -> frozenset[asyncio.Task[None]]:
        """Albums being relayed right now."""
        return frozenset(self._flushing)

    async def arrived(self, bot: BotKind, chat_id: int, media_group_id: str) -> None:
        """An item was committed to the buffer: (re)start the album's quiet timer. A stopped
        flusher starts none: the item waits in the buffer for another process's sweep."""
        if self._stopped.is_set():
            return
        self._schedule(AlbumKey(bot, chat_id, media_group_id), self.quiet.total_seconds())

    def _schedule(self, key: AlbumKey, delay: float) -> None:
        if self._stopped.is_set():
            return
        earlier = self._timers.pop(key, None)
        if earlier is not None:
            earlier.cancel()  # still sleeping: a timer leaves the table before it flushes
        self._timers[key] = asyncio.create_task(self._after(key, delay), name=f"album-{key.media_group_id}")

    async def _after(self, key: AlbumKey, delay: float) -> None:
        await asyncio.sleep(delay)
        task = asyncio.current_task()
        assert task is not None
        if self._timers.get(key) is task:
            del self._timers[key]
        self._flushing.add(task)
        try:
            await self.flush(key)
        except Exception:  # the items are still buffered: the sweep relays them
            log.exception("flushing an album failed; the sweep will retry")
        finally:
            self._flushing.discard(task)

    async def flush(self, key: AlbumKey) -> bool:
        """Relay the album if it is quiet and still buffered. True if this call relayed it."""
        services = self.services
        now = services.clock.now()
        async with services.uow() as uow:
            flushed = await flush_album(uow, services.postbox(uow), key, now, self.quiet)
            if isinstance(flushed, NotYet):  # an item came in meanwhile (perhaps through another process)
                self._schedule(key, max((flushed.due - now).total_seconds(), 0.05))
                return False
            await uow.commit()  # an album whose associate is gone (None) leaves the buffer all the same
        return flushed is not None

    async def sweep(self) -> int:
        """Albums quiet for longer than the quiet time with no timer here: left by a process
        that stopped or crashed before flushing them. A stopped flusher sweeps nothing: the
        process is going away, and its database and backends with it."""
        if self._stopped.is_set():
            return 0
        now = self.services.clock.now()
        async with self.services.uow() as uow:
            keys = await uow.albums.quiet(now - self.quiet, SWEEP_BATCH)
        relayed = 0
        for key in keys:
            if self._stopped.is_set():
                break
            if key not in self._timers:
                relayed += await self.flush(key)
        return relayed

    async def sweep_every(self, seconds: float) -> None:
        """Sweep periodically until stop()."""
        while not self._stopped.is_set():
            try:
                await asyncio.wait_for(self._stopped.wait(), seconds)
                return
            except TimeoutError:
                pass
            try:
                count = await self.sweep()
                if count:
                    log.info("relayed %d albums left unfinished", count)
            except Exception:
                log.exception("album sweep failed")

    async def stop(self) -> None:
        """Waiting timers are dropped (their albums wait in the buffer for a sweep); flushes
        under way finish their transaction; the periodic sweep ends."""
        self._stopped.set()
        timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, *self._flushing, return_exceptions=True)
