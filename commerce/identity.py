"""Who is talking to us: the role of a Telegram user, from the database by numeric id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commerce.availability import Availability
from commerce.bots import BotKind, Role
from commerce.people import Associate, AssociateStatus, HQOperator, Link, Member, Store
from commerce.ports.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Identity:
    role: Role
    telegram_user_id: int
    member: Member | None = None
    associate: Associate | None = None  # the person's own associate record, or the member's linked one
    store: Store | None = None  # the associate's store
    hq: HQOperator | None = None
    link: Link | None = None  # a member's open link, read with the rest: the relay routes from it
    # Read with a member, for relaying their message: their tags (the header shows them)
    # and their associate's availability row (auto-replies). None: not read.
    tags: tuple[str, ...] | None = None
    availability: Availability | None = None
    typing_until: datetime | None = None  # a member's open checkout waits for typing until then


async def identify(uow: UnitOfWork, bot: BotKind, brand_id: int, telegram_user_id: int) -> Identity:
    """The same person can be an associate in the staff bot and a member in the consumer bot;
    usernames are never used, they change and can be taken over."""
    if bot is BotKind.CONSUMER:
        found = await uow.members.with_associate(brand_id, telegram_user_id)
        if found is None or found[0].id is None:
            return Identity(Role.GUEST, telegram_user_id)
        member, link, associate, store, tags, availability, typing_until = found
        return Identity(Role.MEMBER, telegram_user_id, member=member, associate=associate, store=store, link=link,
                        tags=tuple(tags), availability=availability, typing_until=typing_until)

    operator = await uow.hq.by_telegram_user(telegram_user_id)
    if operator is not None:
        return Identity(Role.HQ, telegram_user_id, hq=operator)
    associate = await uow.associates.by_telegram_user(telegram_user_id)
    if associate is not None and associate.status is AssociateStatus.ACTIVE:
        store = await uow.stores.get(associate.store_id)
        return Identity(Role.ASSOCIATE, telegram_user_id, associate=associate, store=store)
    return Identity(Role.GUEST, telegram_user_id)


async def identify_in_staff_bot(uow: UnitOfWork, brand_id: int, telegram_user_id: int, now: datetime) -> Identity:
    """Who writes to the staff bot. An associate who does has opened it, so from now on it
    can write to them (escalation cards, members who switch to them): recorded the first
    time only, no write per message."""
    who = await identify(uow, BotKind.ASSOCIATE, brand_id, telegram_user_id)
    associate = who.associate
    if associate is not None and associate.id is not None and associate.staff_bot_since is None:
        await uow.associates.opened_staff_bot(associate.id, now)
    return who
