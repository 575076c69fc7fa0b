"""SQL repositories of the one-scan flow: associate invites, enrollment rewards, scans,
recruitment counts and the leaderboard's days, and blobs. Same rules as
storage.repositories: one AsyncSession, domain objects in and out, never a commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from commerce.model import AssociateInvite, Blob, BotKind, Coupon, OutboxStatus, RewardRule, Scan
from storage import mapping
from storage.repositories import _Repository
from storage.tables import (
    AssociateInviteRow,
    BlobFileRow,
    BlobRow,
    CouponRow,
    MemberRow,
    OutboxRow,
    RewardRuleRow,
    ScanRow,
)
from storage.tables_leaderboard import BlobExpiryRow, LeaderboardDayRow

EXPIRED_BATCH = 200  # blobs deleted at most per call: a backlog goes over the next calls


class SqlInviteRepository(_Repository):
    async def add(self, invite: AssociateInvite) -> AssociateInvite:
        """Raises DuplicateError if the token hash exists."""
        row = await self._insert_unique(mapping.invite_row(invite))
        invite.id = row.id
        return mapping.invite(row)

    async def by_token_hash(self, token_hash: str) -> AssociateInvite | None:
        row = await self._first(sa.select(AssociateInviteRow).where(AssociateInviteRow.token_hash == token_hash))
        return mapping.invite(row) if row else None

    async def use(self, invite_id: int, telegram_user_id: int, at: datetime) -> bool:
        """Raises LookupError if the invite does not exist."""
        # One atomic UPDATE, as in SqlInboxRepository.claim_done: of two people opening
        # the same link at once, exactly one binds their account.
        stmt = (sa.update(AssociateInviteRow)
                .where(AssociateInviteRow.id == invite_id, AssociateInviteRow.used_at.is_(None))
                .values(used_at=at, used_by_telegram_user_id=telegram_user_id))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        if result.rowcount == 1:
            return True
        if await self._get(AssociateInviteRow, invite_id) is None:
            raise LookupError(f"associate_invite {invite_id} does not exist")
        return False


class SqlRewardRepository(_Repository):
    async def active_rule(self, brand_id: int) -> RewardRule | None:
        stmt = (sa.select(RewardRuleRow)
                .where(RewardRuleRow.brand_id == brand_id, RewardRuleRow.active == sa.true())
                .order_by(RewardRuleRow.id.desc()))
        row = await self._first(stmt)
        return mapping.reward_rule(row) if row else None

    async def add_rule(self, rule: RewardRule) -> RewardRule:
        """Adding an active rule deactivates the brand's previous ones. Raises
        DuplicateError if another transaction added an active rule for the brand at the
        same time (uq_reward_rule_active_brand_id keeps one active rule per brand)."""
        if rule.active:
            stmt = (sa.update(RewardRuleRow)
                    .where(RewardRuleRow.brand_id == rule.brand_id, RewardRuleRow.active == sa.true())
                    .values(active=False))
            await self.session.execute(stmt, execution_options={"synchronize_session": False})
        row = await self._insert_unique(mapping.reward_rule_row(rule))
        rule.id = row.id
        return mapping.reward_rule(row)

    async def add_coupon(self, coupon: Coupon) -> Coupon:
        """Raises DuplicateError if the code exists."""
        row = await self._insert_unique(mapping.coupon_row(coupon))
        coupon.id = row.id
        return mapping.coupon(row)

    async def coupons_of(self, member_id: int) -> Sequence[Coupon]:
        """Oldest first."""
        stmt = sa.select(CouponRow).where(CouponRow.member_id == member_id).order_by(CouponRow.issued_at, CouponRow.id)
        return [mapping.coupon(row) for row in await self._all(stmt)]


class SqlScanRepository(_Repository):
    async def add(self, scan: Scan) -> Scan:
        row = await self._insert(mapping.scan_row(scan))
        scan.id = row.id
        return mapping.scan(row)

    async def of_user(self, telegram_user_id: int) -> Sequence[Scan]:
        """Oldest first."""
        stmt = sa.select(ScanRow).where(ScanRow.telegram_user_id == telegram_user_id).order_by(ScanRow.at, ScanRow.id)
        return [mapping.scan(row) for row in await self._all(stmt)]


class SqlRecruitmentRepository(_Repository):
    async def enrolled_between(self, brand_id: int, start: datetime, end: datetime) -> Mapping[int, int]:
        # Equality on brand_id and a range on enrolled_at: one range of
        # ix_member_brand_id_enrolled_at. Members enrolled without an associate's code
        # (source_associate_id NULL) are nobody's recruits.
        stmt = (sa.select(MemberRow.source_associate_id, sa.func.count())
                .where(MemberRow.brand_id == brand_id,
                       MemberRow.enrolled_at >= start,
                       MemberRow.enrolled_at < end,
                       MemberRow.source_associate_id.is_not(None))
                .group_by(MemberRow.source_associate_id))
        return {associate_id: count for associate_id, count in (await self.session.execute(stmt)).all()}

    async def claim_day(self, brand_id: int, day: date, at: datetime) -> bool:
        # ON CONFLICT DO NOTHING on the primary key: PostgreSQL makes a second claimer wait
        # for the first transaction, then skips the insert (it committed) or makes it (it
        # rolled back); SQLite's BEGIN IMMEDIATE runs the two transactions one after the other.
        stmt = (self._dialect_insert(LeaderboardDayRow)
                .values(brand_id=brand_id, day=day, queued_at=at)
                .on_conflict_do_nothing(index_elements=["brand_id", "day"])
                .returning(LeaderboardDayRow.brand_id))
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None


class SqlBlobRepository(_Repository):
    async def put(self, blob: Blob) -> Blob:
        """Raises ValueError if blob.sha256 is not the hex SHA-256 digest of its content:
        a wrong key would hand these bytes out for other content."""
        if hashlib.sha256(blob.content).hexdigest() != blob.sha256:
            raise ValueError(f"sha256 {blob.sha256!r} is not the digest of the blob's content")
        # ON CONFLICT DO NOTHING: of two transactions storing the same bytes, PostgreSQL
        # makes the second wait for the first and then skip the insert; the SELECT that
        # follows (a new snapshot under READ COMMITTED) reads the winner's row.
        stmt = (self._dialect_insert(BlobRow)
                .values(**mapping.values(blob))
                .on_conflict_do_nothing(index_elements=["sha256"])
                .returning(BlobRow.id))
        inserted_id = (await self.session.execute(stmt)).scalar_one_or_none()
        if inserted_id is not None:
            blob.id = inserted_id
            return replace(blob)
        row = await self._first(sa.select(BlobRow).where(BlobRow.sha256 == blob.sha256))
        blob.id = row.id
        return mapping.blob(row)

    async def get(self, blob_id: int) -> Blob | None:
        row = await self._get(BlobRow, blob_id)
        return mapping.blob(row) if row else None

    async def file_id(self, bot: BotKind, blob_id: int) -> str | None:
        stmt = sa.select(BlobFileRow.file_id).where(BlobFileRow.bot == BotKind(bot).value,
                                                    BlobFileRow.blob_id == blob_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remember_file_id(self, bot: BotKind, blob_id: int, file_id: str) -> None:
        """Insert or replace: the newest file_id Telegram gave this bot wins."""
        insert = self._dialect_insert(BlobFileRow)
        stmt = (insert
                .values(bot=BotKind(bot).value, blob_id=blob_id, file_id=file_id)
                .on_conflict_do_update(index_elements=["bot", "blob_id"], set_={"file_id": insert.excluded.file_id}))
        await self.session.execute(stmt)

    async def expire(self, blob_id: int, at: datetime) -> None:
        # The same bytes stored again (content-addressed: the same blob) keep the later time.
        insert = self._dialect_insert(BlobExpiryRow)
        later = sa.case((insert.excluded.expires_at > BlobExpiryRow.expires_at, insert.excluded.expires_at),
                        else_=BlobExpiryRow.expires_at)
        stmt = (insert
                .values(blob_id=blob_id, expires_at=at)
                .on_conflict_do_update(index_elements=["blob_id"], set_={"expires_at": later}))
        await self.session.execute(stmt)

    async def delete_expired(self, now: datetime) -> int:
        due_stmt = (sa.select(BlobExpiryRow.blob_id)
                    .where(BlobExpiryRow.expires_at <= now)
                    .order_by(BlobExpiryRow.expires_at)
                    .limit(EXPIRED_BATCH))
        due = set((await self.session.execute(due_stmt)).scalars())
        if not due:
            return 0
        due -= await self._named_by_unsent(due)
        if not due:
            return 0
        # The expiry is checked again as the rows are deleted: on PostgreSQL a transaction
        # that stored the same bytes again meanwhile holds the row and has renewed it, and
        # the re-check after its commit leaves that blob alone.
        gone_stmt = (sa.delete(BlobExpiryRow)
                     .where(BlobExpiryRow.blob_id.in_(due), BlobExpiryRow.expires_at <= now)
                     .returning(BlobExpiryRow.blob_id))
        gone = list((await self.session.execute(gone_stmt, execution_options={"synchronize_session": False})).scalars())
        if not gone:
            return 0
        for stmt in (sa.delete(BlobFileRow).where(BlobFileRow.blob_id.in_(gone)),
                     sa.delete(BlobRow).where(BlobRow.id.in_(gone))):
            await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return len(gone)

    async def _named_by_unsent(self, blob_ids: set[int]) -> set[int]:
        """Those of ``blob_ids`` a pending outbox row still names ({"blob_id": N}, anywhere
        in its parameters: a photo, an album's items). The text match narrows the pending
        rows (one range of the outbox's status index) to those naming any blob."""
        stmt = (sa.select(OutboxRow.params)
                .where(OutboxRow.status == OutboxStatus.PENDING.value,
                       sa.cast(OutboxRow.params, sa.Text).contains('"blob_id"', autoescape=True)))
        named: set[int] = set()
        for params in (await self.session.execute(stmt)).scalars():
            named.update(_blob_ids(params))
        return named & blob_ids


def _blob_ids(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "blob_id" and isinstance(item, int | str) and str(item).isdigit():
                yield int(item)
            else:
                yield from _blob_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _blob_ids(item)
