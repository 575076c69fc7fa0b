"""The SQL unit of work (commerce.ports.UnitOfWork) and the Database that hands them out.

    db = await Database.open(settings.database_url)      # migrates to head by default
    async with db.uow() as uow:
        member = await uow.members.add(...)
        await uow.outbox.add(welcome)
        uow.after_commit(sender.wake)                    # runs only once this committed
        await uow.commit()
    await db.dispose()
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Self

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from commerce.ports.messaging import AlbumRepository, BlobRepository, ConversationRepository, InboxRepository, OutboxRepository
from commerce.ports.people import AssociateRepository, AuditLog, BrandRepository, HQOperatorRepository, InviteRepository, LinkRepository, MemberRepository, StoreRepository
from commerce.ports.rewards import RecruitmentRepository, RewardRepository, ScanRepository
from commerce.ports.workspace import WorkspaceRepository
from commerce.ports.orders import OrderRepository
from commerce.ports.checkout import CheckoutRepository
from commerce.ports.availability import AvailabilityRepository, EscalationRepository
from commerce.ports.catalog import CatalogRepository, StockRepository
from storage.engine import SINGLE_STATEMENT, make_engine, parse_url
from storage.migrate import upgrade_engine
from storage.repositories.brand import SqlAssociateRepository, SqlBrandRepository, SqlHQOperatorRepository, SqlStoreRepository
from storage.repositories.inbox import SqlInboxRepository
from storage.repositories.members import SqlAuditLog, SqlLinkRepository, SqlMemberRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.blobs import SqlBlobRepository
from storage.repositories.brand import SqlInviteRepository
from storage.repositories.rewards import SqlRecruitmentRepository, SqlRewardRepository, SqlScanRepository
from storage.repositories.albums import SqlAlbumRepository
from storage.repositories.availability import SqlAvailabilityRepository, SqlEscalationRepository
from storage.repositories.conversations import SqlConversationRepository
from storage.repositories.catalog import SqlCatalogRepository, SqlStockRepository
from storage.repositories.workspace import SqlWorkspaceRepository
from storage.repositories.orders import SqlOrderRepository
from storage.repositories.checkout import SqlCheckoutRepository

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class SqlUnitOfWork:
    """One transaction on one connection. Repositories are usable inside `async with`."""

    # Declared as the port types: a Protocol's attributes must match exactly.
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

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._after_commit: list[AfterCommit] = []

    @property
    def session(self) -> AsyncSession:
        """The SQLAlchemy session, for storage code that adds its own repositories."""
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session = self._sessions()
        self.brands = SqlBrandRepository(session)
        self.stores = SqlStoreRepository(session)
        self.associates = SqlAssociateRepository(session)
        self.hq = SqlHQOperatorRepository(session)
        self.members = SqlMemberRepository(session)
        self.links = SqlLinkRepository(session)
        self.inbox = SqlInboxRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.audit = SqlAuditLog(session)
        self.invites = SqlInviteRepository(session)
        self.rewards = SqlRewardRepository(session)
        self.scans = SqlScanRepository(session)
        self.recruitment = SqlRecruitmentRepository(session)
        self.blobs = SqlBlobRepository(session)
        self.conversations = SqlConversationRepository(session)
        self.workspace = SqlWorkspaceRepository(session)
        self.albums = SqlAlbumRepository(session)
        self.availability = SqlAvailabilityRepository(session)
        self.escalations = SqlEscalationRepository(session)
        self.catalog = SqlCatalogRepository(session)
        self.stock = SqlStockRepository(session)
        self.orders = SqlOrderRepository(session)
        self.checkouts = SqlCheckoutRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, self._session = self.session, None
        self._after_commit.clear()
        # Closing rolls back whatever was not committed and returns the connection.
        await session.close()

    async def commit(self) -> None:
        """Commit, then run the after_commit callbacks in order.

        Every callback runs even if an earlier one raises (the data is committed
        either way); the first error is raised at the end, the others are logged.
        """
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        first_error: BaseException | None = None
        for callback in callbacks:
            try:
                await callback()
            except Exception as error:
                if first_error is None:
                    first_error = error
                else:
                    log.exception("after_commit callback %r failed", callback)
        if first_error is not None:
            raise first_error

    async def rollback(self) -> None:
        self._after_commit.clear()
        await self.session.rollback()

    def after_commit(self, callback: AfterCommit) -> None:
        self._after_commit.append(callback)


class Database:
    """The engine plus the unit-of-work factory (`db.uow` is a UnitOfWorkFactory)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Objects stay readable after commit: repositories hand out domain copies anyway.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # A lone statement is atomic without BEGIN and COMMIT around it: on PostgreSQL two
        # round trips fewer for the sender's reads and status updates, the inbox's insert
        # and claim; on SQLite no BEGIN IMMEDIATE (storage.engine leaves it out here).
        if engine.dialect.name == "postgresql":
            single = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            single = engine.execution_options(**{SINGLE_STATEMENT: True})
        self._single = async_sessionmaker(single, expire_on_commit=False)

    @classmethod
    async def open(cls, database_url: str | URL, *, schema: str | None = None, migrate: bool = True) -> Self:
        """An engine for the URL; with migrate, the schema is first brought to head."""
        url, schema = parse_url(database_url, schema=schema)
        engine = make_engine(url, schema=schema)
        try:
            if migrate:
                await upgrade_engine(engine, schema=schema)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    def single_statement(self) -> SqlUnitOfWork:
        """A unit of work for exactly one statement (a read, or one atomic write): on
        PostgreSQL each statement commits by itself, so it must never hold two writes
        that belong together, nor a read whose answer a later write relies on."""
        return SqlUnitOfWork(self._single)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.dispose()
