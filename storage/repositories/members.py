"""Members, their links to associates (with history) and the audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from commerce.availability import Availability
from commerce.people import AuditEntry, Link, LinkReason, Member
from commerce.ports.people import MemberWithAssociate
from storage import mapping
from storage.repositories.base import (
    _WITH_ASSOCIATE_TABLES,
    _labelled,
    _Repository,
    _unlabel,
)
from storage.tables.checkout import CheckoutRow
from storage.tables.members import AuditLogRow, LinkRow, MemberRow
from storage.tables.workspace import MemberTagRow


class SqlMemberRepository(_Repository):
    async def get(self, member_id: int) -> Member | None:
        row = await self._get(MemberRow, member_id)
        return mapping.member(row) if row else None

    async def by_telegram_user(self, brand_id: int, telegram_user_id: int) -> Member | None:
        stmt = sa.select(MemberRow).where(MemberRow.brand_id == brand_id,
                                          MemberRow.telegram_user_id == telegram_user_id)
        row = await self._first(stmt)
        return mapping.member(row) if row else None

    async def with_associate(self, brand_id: int, telegram_user_id: int) -> MemberWithAssociate | None:
        # One round trip instead of four on every message a member writes: the member
        # (uq_member_brand_telegram), the open link (one per member), its associate and store.
        # Plain labelled columns rather than ORM entities: nothing here is changed as an
        # object, and the ORM's identity map would cost more CPU than the query.
        postgres = self.session.bind.dialect.name == "postgresql"
        stmt = _WITH_ASSOCIATE[postgres]
        found = (await self.session.execute(stmt, {"p_brand_id": brand_id, "p_telegram_user_id": telegram_user_id})).first()
        if found is None:
            return None
        values = found._mapping
        member, link, associate, store, availability = _WITH_ASSOCIATE_TABLES
        parts = [_unlabel(values, table, prefix) for table, prefix in ((link, "l"), (associate, "a"), (store, "s"), (availability, "v"))]
        tags = values["tags"]
        return (mapping.member(_unlabel(values, member, "m")),  # type: ignore[arg-type]
                mapping.link(parts[0]) if parts[0].id is not None else None,  # type: ignore[arg-type]
                mapping.associate(parts[1]) if parts[1].id is not None else None,  # type: ignore[arg-type]
                mapping.store(parts[2]) if parts[2].id is not None else None,  # type: ignore[arg-type]
                _tag_list(tags, postgres=postgres),
                _availability(parts[3]) if parts[3].associate_id is not None else None,
                values["typing_until"])

    async def add(self, member: Member) -> Member:
        row = await self._insert_unique(mapping.member_row(member))
        member.id = row.id
        return mapping.member(row)

    async def update(self, member: Member) -> None:
        await self._update_unique(MemberRow, member.id, mapping.values(member))


def _with_associate_statement(postgres: bool) -> Any:
    """The member, the open link, its associate and store, the associate's availability and
    the member's tags (a JSON array, in tag order) in one round trip."""
    member, link, associate, store, availability = _WITH_ASSOCIATE_TABLES
    tags = MemberTagRow.__table__  # type: ignore[attr-defined]
    # Correlated to the member read in the outer query (asserted in the tests: a subquery
    # that is not would show someone else's tags). SQLite's array is sorted by the caller.
    aggregate = sa.func.json_agg(aggregate_order_by(tags.c.tag, tags.c.tag)) if postgres else sa.func.json_group_array(tags.c.tag)
    tag_list = sa.select(aggregate).where(tags.c.member_id == member.c.id).correlate(member)
    # The member's open checkout waiting for typing (commerce.checkout_steps.TYPED): their
    # next message is for it, not for their associate (at most one row: one per member).
    checkout = CheckoutRow.__table__  # type: ignore[attr-defined]
    typing = (sa.select(checkout.c.expires_at).where(checkout.c.member_id == member.c.id,
                                                     checkout.c.step.in_(["contact", "address"]))
              .correlate(member).scalar_subquery().label("typing_until"))
    return (sa.select(*_labelled(member, "m"), *_labelled(link, "l"), *_labelled(associate, "a"), *_labelled(store, "s"),
                      *_labelled(availability, "v"), tag_list.scalar_subquery().label("tags"), typing)
            .select_from(member)
            .outerjoin(link, sa.and_(link.c.member_id == member.c.id, link.c.ended_at.is_(None)))
            .outerjoin(associate, associate.c.id == link.c.associate_id)
            .outerjoin(store, store.c.id == associate.c.store_id)
            .outerjoin(availability, availability.c.associate_id == associate.c.id)
            .where(member.c.brand_id == sa.bindparam("p_brand_id"), member.c.telegram_user_id == sa.bindparam("p_telegram_user_id"))
            .limit(1))


_WITH_ASSOCIATE = (_with_associate_statement(postgres=False), _with_associate_statement(postgres=True))


def _tag_list(tags: Any, *, postgres: bool) -> list[str]:
    """The tags column of the identity query: PostgreSQL's JSON array is in the database's
    tag order already; SQLite's is sorted here, by code point as its BINARY ORDER BY would."""
    if tags is None:
        return []  # PostgreSQL aggregates no rows to NULL
    values = [str(tag) for tag in (json.loads(tags) if isinstance(tags, str) else tags)]
    return values if postgres else sorted(values)


def _availability(row: Any) -> Availability:
    return Availability(associate_id=row.associate_id, updated_at=row.updated_at, hours=row.hours,
                        away_until=row.away_until, away_note=row.away_note)


class SqlLinkRepository(_Repository):
    async def current(self, member_id: int) -> Link | None:
        row = await self._first(sa.select(LinkRow).where(LinkRow.member_id == member_id, LinkRow.ended_at.is_(None)))
        return mapping.link(row) if row else None

    async def history(self, member_id: int) -> Sequence[Link]:
        stmt = sa.select(LinkRow).where(LinkRow.member_id == member_id).order_by(LinkRow.started_at, LinkRow.id)
        return [mapping.link(row) for row in await self._all(stmt)]

    async def add(self, link: Link) -> Link:
        """Raises DuplicateError if the member already has an open link."""
        row = await self._insert_unique(mapping.link_row(link))
        link.id = row.id
        return mapping.link(row)

    async def end(self, link_id: int, at: datetime, reason: Any) -> None:
        """Close an open link; a link that is already closed keeps its first ending."""
        stmt = (sa.update(LinkRow)
                .where(LinkRow.id == link_id, LinkRow.ended_at.is_(None))
                .values(ended_at=at, end_reason=LinkReason(reason).value))
        await self.session.execute(stmt, execution_options={"synchronize_session": False})


class SqlAuditLog(_Repository):
    async def record(self, entry: AuditEntry) -> None:
        row = await self._insert(mapping.audit_row(entry))
        entry.id = row.id

    async def recent(self, limit: int) -> Sequence[AuditEntry]:
        stmt = sa.select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(limit)
        return [mapping.audit_entry(row) for row in await self._all(stmt)]
