"""The unit of work: every repository of one transaction, commit, and effects after commit; the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, Self

from commerce.ports.availability import AvailabilityRepository, EscalationRepository
from commerce.ports.catalog import CatalogRepository, StockRepository
from commerce.ports.checkout import CheckoutRepository
from commerce.ports.messaging import (
    AlbumRepository,
    BlobRepository,
    ConversationRepository,
    InboxRepository,
    OutboxRepository,
)
from commerce.ports.orders import OrderRepository
from commerce.ports.people import (
    AssociateRepository,
    AuditLog,
    BrandRepository,
    HQOperatorRepository,
    InviteRepository,
    LinkRepository,
    MemberRepository,
    StoreRepository,
)
from commerce.ports.rewards import (
    RecruitmentRepository,
    RewardRepository,
    ScanRepository,
)
from commerce.ports.workspace import WorkspaceRepository


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware current time (UTC)."""


class UnitOfWork(Protocol):
    """One database transaction. The caller owns it: repositories never commit.

    async with uow_factory() as uow:
        ...
        await uow.commit()   # leaving the block without commit rolls back
    """

    brands: BrandRepository
    stores: StoreRepository
    associates: AssociateRepository
    hq: HQOperatorRepository
    members: MemberRepository
    links: LinkRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    audit: AuditLog
    invites: InviteRepository
    rewards: RewardRepository
    scans: ScanRepository
    recruitment: RecruitmentRepository
    blobs: BlobRepository
    conversations: ConversationRepository
    workspace: WorkspaceRepository
    albums: AlbumRepository
    availability: AvailabilityRepository
    escalations: EscalationRepository
    catalog: CatalogRepository
    stock: StockRepository
    orders: OrderRepository
    checkouts: CheckoutRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None:
        """Commit, then run the after_commit callbacks in order."""
    async def rollback(self) -> None: ...
    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run callback once the transaction has committed (never if it rolls back)."""


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Unstorable(ValueError):
    """The database cannot hold these values (a driver or server refused them, not a
    connection problem): retrying the same values would fail the same way."""


class DuplicateError(Exception):
    """A unique key already exists."""
