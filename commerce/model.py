"""Domain objects. Plain dataclasses: storage maps its tables to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class BotKind(StrEnum):
    CONSUMER = "consumer"  # the brand's bot that shoppers talk to
    ASSOCIATE = "associate"  # the staff bot for store associates and HQ operators


class Role(StrEnum):
    GUEST = "guest"  # a Telegram user we do not know yet
    MEMBER = "member"  # an enrolled consumer (consumer bot)
    ASSOCIATE = "associate"  # a store associate bound to a Telegram account (associate bot)
    HQ = "hq"  # a brand head-office operator (associate bot)


class AssociateStatus(StrEnum):
    ACTIVE = "active"  # can enrol members through their codes
    DEACTIVATED = "deactivated"  # left or suspended: codes stop enrolling, history stays


class LinkReason(StrEnum):
    ENROLLED = "enrolled"  # first scan of the associate's code
    SWITCHED_BY_MEMBER = "switched_by_member"  # member confirmed a move to another associate
    REASSIGNED_BY_HQ = "reassigned_by_hq"  # HQ moved the member (associate left, rebalancing)
    ENDED_BY_MEMBER = "ended_by_member"  # member asked to stop chatting with an associate


class InboxStatus(StrEnum):
    RECEIVED = "received"  # durably recorded, not yet processed
    DONE = "done"  # its effects are committed
    FAILED = "failed"  # processing raised, or gave up after MAX attempts; kept for inspection
    REJECTED = "rejected"  # not a usable update (odd structure, unstorable values); never handled


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for the sender
    SENT = "sent"  # Telegram accepted it
    FAILED = "failed"  # gave up after retries, or Telegram refused it (400)
    UNREACHABLE = "unreachable"  # the person blocked the bot (403); never retried
    DROPPED = "dropped"  # the send-time policy decided against sending it (commerce.sending); why is in error


class OutboxPurpose(StrEnum):
    """Why a message is sent; the sender serves its lane (see ``lane``) and the send-time
    policy judges it by this."""

    REPLY = "reply"  # a relayed 1:1 message either way, or a direct answer to what a person did
    NOTICE = "notice"  # a service notice to an associate or member (new member, undelivered, escalation card, leaderboard)
    ORDER = "order"  # an update about an order (reserved for the shop)
    CAMPAIGN = "campaign"  # bulk marketing to a segment, carrying its campaign_id

    @property
    def lane(self) -> SendLane:
        return _LANES[self]


class SendLane(IntEnum):
    """The sender's lanes, served in this order; a lower lane also takes the per-bot rate
    limit ahead of the lanes after it."""

    CONVERSATION = 0  # 1:1 replies and order updates: a person is waiting
    NOTICE = 1  # service notices
    BULK = 2  # campaigns: last, and never in the way of the lanes before

    @property
    def purposes(self) -> tuple[OutboxPurpose, ...]:
        return tuple(purpose for purpose in OutboxPurpose if purpose.lane is self)


_LANES = {
    OutboxPurpose.REPLY: SendLane.CONVERSATION,
    OutboxPurpose.ORDER: SendLane.CONVERSATION,
    OutboxPurpose.NOTICE: SendLane.NOTICE,
    OutboxPurpose.CAMPAIGN: SendLane.BULK,
}


class DeliveryProblem(StrEnum):
    """Why an outbox row was not delivered. A FAILED row's error starts with it
    ("too_long: Message is too long"), so the row itself says why."""

    TOO_LONG = "too_long"  # Telegram refused the text or caption as too long
    REFUSED = "refused"  # any other refusal, or too many failed attempts
    UNREACHABLE = "unreachable"  # the person blocked the bot

    @classmethod
    def of(cls, status: OutboxStatus, error: str | None) -> DeliveryProblem:
        if status is OutboxStatus.UNREACHABLE:
            return cls.UNREACHABLE
        return cls.TOO_LONG if (error or "").startswith(f"{cls.TOO_LONG}:") else cls.REFUSED


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
class InboundUpdate:
    bot: BotKind
    update_id: int
    payload: dict[str, Any]
    received_at: datetime
    status: InboxStatus = InboxStatus.RECEIVED
    processed_at: datetime | None = None
    error: str | None = None
    chat_id: int = 0  # the chat (or person) whose updates are handled in update_id order; 0: none
    attempts: int = 0  # times a process began handling it; bounded, so a poison update ends


@dataclass(slots=True)
class OutboxMessage:
    """One Bot API call to make on someone's behalf, written in the same transaction as
    the state change that caused it and delivered after commit by the sender."""

    bot: BotKind
    chat_id: int
    method: str  # Bot API method, e.g. "sendMessage"
    params: dict[str, Any]  # JSON-serialisable parameters, without chat_id
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    sent_at: datetime | None = None
    telegram_message_id: int | None = None
    error: str | None = None
    purpose: OutboxPurpose = OutboxPurpose.REPLY
    campaign_id: int | None = None  # the campaign a CAMPAIGN row belongs to
    # Held by the send-time policy until then (quiet hours, a frequency cap): the row is
    # not read before it, and later rows of its chat go ahead of it meanwhile.
    not_before: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class AuditEntry:
    at: datetime
    actor: str  # "member:12", "associate:3", "hq:1", "cli", "system"
    action: str  # verb phrase, e.g. "associate.deactivated"
    subject: str = ""  # "member:12"
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


# --- One-scan: onboarding, enrollment and its reward -------------------------------


class ScanOutcome(StrEnum):
    ENROLLED = "enrolled"  # a new member was created and linked
    RESCANNED = "rescanned"  # the member scanned their own associate's code again
    OTHER_ASSOCIATE = "other_associate"  # a linked member scanned another associate's code
    SELF_SCAN = "self_scan"  # an associate scanned their own code
    DEACTIVATED = "deactivated"  # the code belongs to a deactivated associate
    INVALID = "invalid"  # tampered or unknown code (no associate known)


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
class RewardRule:
    """What a new member gets for enrolling, e.g. 10% off the first order for 30 days."""

    brand_id: int
    percent_off: int
    valid_days: int = 30
    code_prefix: str = "WELCOME"
    active: bool = True
    id: int | None = None


@dataclass(slots=True)
class Coupon:
    member_id: int
    rule_id: int
    code: str
    percent_off: int
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Scan:
    """Every scan of an enrollment code, for attribution, whatever its outcome."""

    telegram_user_id: int
    at: datetime
    outcome: ScanOutcome
    associate_id: int | None = None
    member_id: int | None = None
    id: int | None = None


@dataclass(slots=True)
class Blob:
    """Bytes to send (a poster, a relayed photo), kept so the outbox can refer to them."""

    sha256: str
    content: bytes
    mime_type: str
    filename: str
    created_at: datetime
    id: int | None = None


# --- Relay: the brand-owned conversation between a member and their associate ---------


class Direction(StrEnum):
    IN = "in"  # member -> associate (written to the consumer bot)
    OUT = "out"  # associate -> member (written to the associate bot)


class MessageKind(StrEnum):
    TEXT = "text"  # plain text
    PHOTO = "photo"  # a photo, with its caption in `text`
    VOICE = "voice"  # a voice note, with its caption in `text`
    VIDEO = "video"  # a video, with its caption in `text`
    DOCUMENT = "document"  # a file, with its caption in `text` (name and type travel with it)
    STICKER = "sticker"  # a sticker, relayed as a "[sticker 😀]" line; its emoji in `text`
    LOCATION = "location"  # a map point, relayed as a link; "latitude,longitude" in `text`
    CONTACT = "contact"  # a contact card; the name in `text`, never the phone number
    EDIT = "edit"  # an edit of an earlier message: `source_message_id` names it, `text` is the new text
    PRODUCT = "product"  # a product card sent to the member (OUT), or the member's question about one (IN); "code · name" in `text`
    LOOKBOOK = "lookbook"  # new arrivals sent as an album; the products' codes and names in `text`


@dataclass(slots=True)
class ConversationMessage:
    """One message of a member's conversation, kept by the brand whoever the associate is."""

    member_id: int
    associate_id: int  # the member's associate when the message was written
    direction: Direction
    kind: MessageKind
    created_at: datetime
    text: str | None = None  # the text, or a photo's caption, as the person wrote it
    source_message_id: int | None = None  # Telegram message id in the writer's own chat
    relay_outbox_id: int | None = None  # the outbox row carrying it to the other side
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """One line of an associate's /chats: a member of theirs and where their conversation stands."""

    member: Member
    # The member's messages since the last answer to them: "read" means answered. Opening
    # the chat does not change it; only a reply (an OUT message) does.
    unread: int
    last: ConversationMessage | None  # the newest message either way; None before any
