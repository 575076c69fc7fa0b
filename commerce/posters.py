"""/qr: an associate's personal poster, ready to print or share.

Drawing it takes tens of milliseconds of CPU, so it happens outside any transaction: the
associate is looked up in a read-only unit of work, the shell draws, and the image is
kept in the update's own transaction (`keep_poster`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from commerce.access import NotAllowed, Staff, access_staff
from commerce.bots import BotKind
from commerce.identity import identify
from commerce.images import keep_image
from commerce.people import Brand
from commerce.ports.uow import UnitOfWork, UnitOfWorkFactory

Drawing = TypeVar("Drawing")


@dataclass(frozen=True, slots=True)
class Poster(Generic[Drawing]):
    staff: Staff
    brand: Brand  # as stored now: HQ may change it while the bots run
    png: bytes
    drawing: Drawing  # what the shell drew it from (its link, for the caption)

    @property
    def filename(self) -> str:
        return f"qr-{self.staff.associate.short_code}.png"


async def poster_for(uows: UnitOfWorkFactory, brand: Brand, telegram_user_id: int,
                     draw: Callable[[Staff, Brand], Awaitable[tuple[bytes, Drawing]]]) -> Poster[Drawing] | NotAllowed:
    """The poster of the active associate behind `telegram_user_id`, drawn by `draw` after
    the read-only lookup; NotAllowed for anyone else (HQ, strangers, deactivated associates)."""
    assert brand.id is not None
    async with uows() as uow:
        current = await uow.brands.get(brand.id) or brand
        who = await identify(uow, BotKind.ASSOCIATE, brand.id, telegram_user_id)
    try:
        staff = access_staff(who)
    except NotAllowed as refused:
        return refused
    png, drawing = await draw(staff, current)
    return Poster(staff, current, png, drawing)


async def keep_poster(uow: UnitOfWork, poster: Poster[Drawing], now: datetime) -> int:
    """The poster stored for the sender (kept: an associate hands it out for months); its blob id."""
    return (await keep_image(uow, poster.png, poster.filename, now)).blob_id
