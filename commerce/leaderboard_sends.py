"""What the recruitment leaderboard sends: the day's results to everyone at the brand's
local time (the daily job), and /leaderboard on demand.

The day is sent once: in one transaction the run claims it (a leaderboard_day row), reads
the board, has the images drawn and writes the messages. The claim commits with the
messages or not at all, so a run that fails or dies half-way leaves the day to the next
firing, and of two processes firing at once the second waits for the first and finds the
day taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from commerce.access import NotAllowed, may_see_leaderboard
from commerce.bots import BotKind, Role
from commerce.identity import identify
from commerce.images import Picture, keep_image
from commerce.leaderboard import Board, Period, load_board, local_date
from commerce.messages import Outbound, PictureShown, Postbox, StandingLine
from commerce.outbox import OutboxPurpose
from commerce.people import AssociateStatus, Brand
from commerce.ports.uow import UnitOfWork, UnitOfWorkFactory

ASSOCIATE = BotKind.ASSOCIATE


class Art(Protocol):
    """Draws the leaderboard's images (CPU work: the shell keeps it off the event loop)."""

    async def associate(self, locale: str, board: Board, associate_id: int) -> Picture: ...

    async def store(self, locale: str, board: Board, store_id: int, reader_id: int) -> Picture: ...

    async def brand(self, locale: str, board: Board) -> list[Picture]: ...


@dataclass(frozen=True, slots=True)
class DailyRun:
    day: date  # the brand's local day reported
    messages: int  # outbox rows written
    expired_images: int = 0  # older images deleted on the way


async def send_daily_leaderboard(uow: UnitOfWork, postbox: Postbox, art: Art, brand: Brand, now: datetime,
                                 keep_images: timedelta) -> DailyRun | None:
    """Queue the day's results: each active associate bound to Telegram gets their line,
    store managers their store's ranking image, HQ operators the brand's. None when this
    day was sent already (by this process or another). An exception (a drawing that fails,
    a lost connection) rolls the claim back with everything else."""
    assert brand.id is not None
    day = local_date(now, brand.timezone)
    # First in the transaction: a concurrent run waits here rather than draw for nothing.
    if not await uow.recruitment.claim_day(brand.id, day, now):
        return None
    board = await load_board(uow, brand.id, Period.TODAY, now)
    associates = [a for a in await uow.associates.list_all()
                  if a.status is AssociateStatus.ACTIVE and a.telegram_user_id is not None
                  and a.id is not None and board.standings.of(a.id) is not None]
    operators = [op for op in await uow.hq.list(brand.id) if op.telegram_user_id is not None]

    # Draw first (a manager's image highlights their own row), then write.
    store_images = {a.id: await art.store(a.locale, board, a.store_id, a.id) for a in associates if a.is_manager and a.id is not None}
    hq_images = await art.brand(board.brand.default_locale, board) if operators else []

    messages = expired = 0
    for a in associates:
        assert a.telegram_user_id is not None and a.id is not None
        await postbox.post(Outbound(ASSOCIATE, a.telegram_user_id, StandingLine(a.locale, board, a.id), OutboxPurpose.NOTICE))
        messages += 1
        if a.is_manager:
            expired += await post_picture(uow, postbox, a.telegram_user_id, store_images[a.id], now, keep_images)
            messages += 1
    for operator in operators:
        assert operator.telegram_user_id is not None
        for picture in hq_images:
            expired += await post_picture(uow, postbox, operator.telegram_user_id, picture, now, keep_images)
            messages += 1
    return DailyRun(day, messages, expired)


@dataclass(frozen=True, slots=True)
class NoSuchPeriod:
    """/leaderboard with a word that names no period: how it is used."""


async def leaderboard_for(uows: UnitOfWorkFactory, brand_id: int, telegram_user_id: int, period: Period | None,
                          locale: str, art: Art, now: datetime) -> Sequence[Picture] | NotAllowed | NoSuchPeriod:
    """/leaderboard: an associate's standing with their store's and the brand's top lists,
    or for HQ the brand's; NotAllowed for anyone else. The board is read in a read-only
    unit of work and drawn after it: the update's transaction only keeps and sends them
    (`show_pictures`)."""
    async with uows() as uow:
        who = await identify(uow, ASSOCIATE, brand_id, telegram_user_id)
        if not may_see_leaderboard(who):
            return NotAllowed()
        if period is None:
            return NoSuchPeriod()
        board = await load_board(uow, brand_id, period, now)
    if who.role is Role.HQ:
        return await art.brand(locale, board)
    assert who.associate is not None and who.associate.id is not None
    return [await art.associate(locale, board, who.associate.id)]


async def show_pictures(uow: UnitOfWork, postbox: Postbox, chat_id: int, pictures: Sequence[Picture], now: datetime,
                        keep_images: timedelta) -> int:
    """The drawn images, kept and queued for `chat_id`; how many expired images went."""
    return sum([await post_picture(uow, postbox, chat_id, picture, now, keep_images) for picture in pictures])


async def post_picture(uow: UnitOfWork, postbox: Postbox, chat_id: int, picture: Picture, now: datetime,
                       keep_images: timedelta) -> int:
    """Images are drawn anew every day and on every /leaderboard: each is kept only
    `keep_images` after it was last queued, or they would pile up."""
    kept = await keep_image(uow, picture.png, picture.filename, now, keep_images)
    await postbox.post(Outbound(ASSOCIATE, chat_id, PictureShown(kept.blob_id, picture.caption), OutboxPurpose.NOTICE))
    return kept.expired
