"""/members: the associate's own members by a filter, a page at a time. The filter is kept
between pages, so a page button carries only its number and the filter's digest."""

from __future__ import annotations

from datetime import datetime

from commerce.workspace_values import BadFilter, MemberFilter, filter_digest, parse_filter
from commerce.people import Associate
from commerce.ports.uow import UnitOfWork
from commerce.workspace import MemberListPage, members_page


async def list_members(uow: UnitOfWork, associate: Associate, where: MemberFilter, now: datetime) -> MemberListPage:
    """The first page; the filter is kept for the page buttons."""
    assert associate.id is not None
    await uow.workspace.save_filter(associate.id, where.words(), now)
    return await members_page(uow, associate, where, 0, now)


async def turn_members_page(uow: UnitOfWork, associate: Associate, digest: str, page: int,
                            now: datetime) -> MemberListPage | None:
    """Another page under the kept filter, parsed again (it is re-validated like typed
    words); None when no filter is kept or it is not the one the buttons were made for."""
    assert associate.id is not None
    words = await uow.workspace.saved_filter(associate.id)
    where = parse_filter(words.split()) if words is not None else None
    if words is None or where is None or isinstance(where, BadFilter) or filter_digest(words) != digest:
        return None
    return await members_page(uow, associate, where, page, now)
