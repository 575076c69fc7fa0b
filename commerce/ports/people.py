"""The brand and its people: brands, stores, associates and their invites, HQ operators, members and their links, the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from commerce.availability import Availability
from commerce.people import (
    Associate,
    AssociateInvite,
    AuditEntry,
    Brand,
    HQOperator,
    Link,
    Member,
    Store,
)

if TYPE_CHECKING:  # commerce.shop_policy reaches the unit of work through these ports
    from commerce.shop_policy import ShopPolicy


class BrandRepository(Protocol):
    async def get(self, brand_id: int) -> Brand | None: ...
    async def first(self) -> Brand | None:
        """The deployment's brand (one brand per deployment for now)."""
    async def add(self, brand: Brand) -> Brand: ...
    async def update(self, brand: Brand) -> None: ...
    async def shop_policy(self, brand_id: int) -> ShopPolicy | None:
        """The brand file's `shop:` section, None if it never had one."""
    async def set_shop_policy(self, brand_id: int, policy: ShopPolicy) -> None: ...


class StoreRepository(Protocol):
    async def get(self, store_id: int) -> Store | None: ...
    async def by_code(self, code: str) -> Store | None: ...
    async def list(self, brand_id: int) -> Sequence[Store]: ...
    async def add(self, store: Store) -> Store: ...
    async def update(self, store: Store) -> None: ...


class AssociateRepository(Protocol):
    async def get(self, associate_id: int) -> Associate | None: ...
    async def by_telegram_user(self, telegram_user_id: int) -> Associate | None: ...
    async def by_short_code(self, short_code: str) -> Associate | None: ...
    async def list_by_store(self, store_id: int) -> Sequence[Associate]: ...
    async def list_all(self) -> Sequence[Associate]:
        """Every associate of the deployment, by id."""
    async def add(self, associate: Associate) -> Associate: ...
    async def update(self, associate: Associate) -> None: ...
    async def opened_staff_bot(self, associate_id: int, at: datetime) -> bool:
        """Record that the associate's account opened the staff bot, unless it was recorded
        before (the first time stays); True if this call recorded it."""


class HQOperatorRepository(Protocol):
    async def by_telegram_user(self, telegram_user_id: int) -> HQOperator | None: ...
    async def list(self, brand_id: int) -> Sequence[HQOperator]: ...
    async def add(self, operator: HQOperator) -> HQOperator: ...
    async def update(self, operator: HQOperator) -> None:
        """Raises DuplicateError if the Telegram account is another operator's."""


# A member, their open link (if any), its associate, the associate's store, the member's
# tags (sorted) and the associate's availability row (None: none, or no associate).
# The last: until when the member's open checkout waits for them to type (None: none waits).
MemberWithAssociate = tuple[Member, Link | None, Associate | None, Store | None, list[str], "Availability | None",
                            "datetime | None"]


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def by_telegram_user(self, brand_id: int, telegram_user_id: int) -> Member | None: ...
    async def with_associate(self, brand_id: int, telegram_user_id: int) -> MemberWithAssociate | None:
        """The member with their open link, its associate, that associate's store, the
        member's tags and the associate's availability, at once (what relaying needs)."""
    async def add(self, member: Member) -> Member:
        """Raises DuplicateError if (brand_id, telegram_user_id) exists."""
    async def update(self, member: Member) -> None: ...


class LinkRepository(Protocol):
    async def current(self, member_id: int) -> Link | None:
        """The open link (ended_at is None) of a member, if any."""
    async def history(self, member_id: int) -> Sequence[Link]:
        """All links of a member, oldest first."""
    async def add(self, link: Link) -> Link: ...
    async def end(self, link_id: int, at: datetime, reason: Any) -> None: ...


class InviteRepository(Protocol):
    async def add(self, invite: AssociateInvite) -> AssociateInvite: ...
    async def by_token_hash(self, token_hash: str) -> AssociateInvite | None: ...
    async def use(self, invite_id: int, telegram_user_id: int, at: datetime) -> bool:
        """Atomically mark an unused invite used; False if it was used already."""


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def recent(self, limit: int) -> Sequence[AuditEntry]: ...
