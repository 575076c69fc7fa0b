"""The brand and its people: stores, associates and their invites, HQ operators, members and
the link of each member to their associate, and the audit log of what people did. Plain
dataclasses: storage maps its tables to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AssociateStatus(StrEnum):
    ACTIVE = "active"  # can enrol members through their codes
    DEACTIVATED = "deactivated"  # left or suspended: codes stop enrolling, history stays


class LinkReason(StrEnum):
    ENROLLED = "enrolled"  # first scan of the associate's code
    SWITCHED_BY_MEMBER = "switched_by_member"  # member confirmed a move to another associate
    REASSIGNED_BY_HQ = "reassigned_by_hq"  # HQ moved the member (associate left, rebalancing)
    ENDED_BY_MEMBER = "ended_by_member"  # member asked to stop chatting with an associate


@dataclass(slots=True)
class Brand:
    name: str
    colour: str = "#1F3A5F"
    default_locale: str = "en"
    timezone: str = "UTC"
    welcome_text: str | None = None  # default welcome in the associate's voice ({member}, {associate}, {store})
    leaderboard_time: str = "21:00"  # local time of the daily recruitment results
    auto_reply_hours: int = 12  # a member hears "away / outside hours" at most once per this many hours; 0: never
    escalation_minutes: int = 30  # a member's message unanswered this long (store open) goes to the store team; 0: never
    id: int | None = None


@dataclass(slots=True)
class Store:
    brand_id: int
    code: str
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = "UTC"
    hours: str = ""  # e.g. "Mon-Sun 10:00-22:00"
    id: int | None = None


@dataclass(slots=True)
class Associate:
    store_id: int
    display_name: str
    short_code: str  # human code printed under the QR, for clients that drop the payload
    status: AssociateStatus = AssociateStatus.ACTIVE
    telegram_user_id: int | None = None
    locale: str = "en"
    welcome_text: str | None = None
    is_manager: bool = False  # store manager: sees the store's ranking and escalations
    created_at: datetime | None = None
    # When their Telegram account first opened the staff bot. Until then Telegram refuses
    # every message the bot sends them ("chat not found"), so nobody counts on reaching them.
    staff_bot_since: datetime | None = None
    id: int | None = None

    @property
    def reachable(self) -> bool:
        """Active, and the staff bot can write to them: bound to an account that opened it."""
        return (self.status is AssociateStatus.ACTIVE and self.telegram_user_id is not None
                and self.staff_bot_since is not None)


@dataclass(slots=True)
class HQOperator:
    brand_id: int
    name: str
    telegram_user_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Member:
    brand_id: int
    telegram_user_id: int
    first_name: str
    enrolled_at: datetime
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    store_id: int | None = None
    source_associate_id: int | None = None
    consent_chat: bool = True  # 1:1 chat with the linked associate allowed
    consent_marketing: bool = False  # brand marketing allowed
    unsubscribed_at: datetime | None = None  # stopped all messages from the brand
    reachable: bool = True  # False after Telegram said the member blocked the bot
    phone: str | None = None  # shared by the member for CRM matching; never logged
    tier: str | None = None  # loyalty tier set by HQ ("Gold"); shown to associates, None = none
    id: int | None = None


@dataclass(slots=True)
class Link:
    member_id: int
    associate_id: int
    started_at: datetime
    reason: LinkReason = LinkReason.ENROLLED
    ended_at: datetime | None = None
    end_reason: LinkReason | None = None
    id: int | None = None


@dataclass(slots=True)
class AssociateInvite:
    """A single-use, expiring invite binding a Telegram account to an associate. Only the
    token's hash is stored: the link itself is shown once, by the CLI."""

    associate_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by_telegram_user_id: int | None = None
    id: int | None = None


@dataclass(slots=True)
class AuditEntry:
    at: datetime
    actor: str  # "member:12", "associate:3", "hq:1", "cli", "system"
    action: str  # verb phrase, e.g. "associate.deactivated"
    subject: str = ""  # "member:12"
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
