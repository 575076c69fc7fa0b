"""Table rows <-> domain dataclasses.

The domain never sees a row: repositories turn each row into a domain dataclass on the
way out and build rows from them on the way in. Enumerations travel as strings.
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any

from commerce.bots import BotKind
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.outbox import Blob, OutboxMessage, OutboxPurpose, OutboxStatus
from commerce.people import Associate, AssociateInvite, AssociateStatus, AuditEntry, Brand, HQOperator, Link, LinkReason, Member, Store
from commerce.rewards import Coupon, RewardRule, Scan, ScanOutcome
from storage.tables.blobs import BlobRow
from storage.tables.brand import AssociateInviteRow, AssociateRow, BrandRow, HQOperatorRow, StoreRow
from storage.tables.conversations import ConversationMessageRow
from storage.tables.inbox import InboundUpdateRow
from storage.tables.members import AuditLogRow, LinkRow, MemberRow
from storage.tables.outbox import OutboxRow
from storage.tables.rewards import CouponRow, RewardRuleRow, ScanRow


def values(obj: Any, *, exclude: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """A dataclass's fields as column values; enum members become their plain strings."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in exclude:
            continue
        value = getattr(obj, f.name)
        out[f.name] = value.value if isinstance(value, Enum) else value
    return out


def _columns(row: Any, cls: type) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in fields(cls)}


# --- rows from domain objects -----------------------------------------------------


def brand_row(brand: Brand) -> BrandRow:
    return BrandRow(id=brand.id, **values(brand))


def store_row(store: Store) -> StoreRow:
    return StoreRow(id=store.id, **values(store))


def associate_row(associate: Associate) -> AssociateRow:
    return AssociateRow(id=associate.id, **values(associate))


def hq_operator_row(operator: HQOperator) -> HQOperatorRow:
    return HQOperatorRow(id=operator.id, **values(operator))


def member_row(member: Member) -> MemberRow:
    return MemberRow(id=member.id, **values(member))


def link_row(link: Link) -> LinkRow:
    return LinkRow(id=link.id, **values(link))


def inbound_update_row(update: InboundUpdate) -> InboundUpdateRow:
    return InboundUpdateRow(**values(update, exclude=()))


def outbox_row(message: OutboxMessage) -> OutboxRow:
    return OutboxRow(id=message.id, **values(message))


def audit_row(entry: AuditEntry) -> AuditLogRow:
    return AuditLogRow(id=entry.id, **values(entry))


def invite_row(invite: AssociateInvite) -> AssociateInviteRow:
    return AssociateInviteRow(id=invite.id, **values(invite))


def reward_rule_row(rule: RewardRule) -> RewardRuleRow:
    return RewardRuleRow(id=rule.id, **values(rule))


def coupon_row(coupon: Coupon) -> CouponRow:
    return CouponRow(id=coupon.id, **values(coupon))


def scan_row(scan: Scan) -> ScanRow:
    return ScanRow(id=scan.id, **values(scan))


def blob_row(blob: Blob) -> BlobRow:
    return BlobRow(id=blob.id, **values(blob))


# --- domain objects from rows -----------------------------------------------------


def brand(row: BrandRow) -> Brand:
    return Brand(**_columns(row, Brand))


def store(row: StoreRow) -> Store:
    return Store(**_columns(row, Store))


def associate(row: AssociateRow) -> Associate:
    out = Associate(**_columns(row, Associate))
    out.status = AssociateStatus(row.status)
    return out


def hq_operator(row: HQOperatorRow) -> HQOperator:
    return HQOperator(**_columns(row, HQOperator))


def member(row: MemberRow) -> Member:
    return Member(**_columns(row, Member))


def link(row: LinkRow) -> Link:
    out = Link(**_columns(row, Link))
    out.reason = LinkReason(row.reason)
    out.end_reason = LinkReason(row.end_reason) if row.end_reason is not None else None
    return out


def inbound_update(row: InboundUpdateRow) -> InboundUpdate:
    out = InboundUpdate(**_columns(row, InboundUpdate))
    out.bot = BotKind(row.bot)
    out.status = InboxStatus(row.status)
    return out


def outbox_message(row: OutboxRow) -> OutboxMessage:
    out = OutboxMessage(**_columns(row, OutboxMessage))
    out.bot = BotKind(row.bot)
    out.status = OutboxStatus(row.status)
    out.purpose = OutboxPurpose(row.purpose)
    return out


def audit_entry(row: AuditLogRow) -> AuditEntry:
    return AuditEntry(**_columns(row, AuditEntry))


def invite(row: AssociateInviteRow) -> AssociateInvite:
    return AssociateInvite(**_columns(row, AssociateInvite))


def reward_rule(row: RewardRuleRow) -> RewardRule:
    return RewardRule(**_columns(row, RewardRule))


def coupon(row: CouponRow) -> Coupon:
    return Coupon(**_columns(row, Coupon))


def scan(row: ScanRow) -> Scan:
    out = Scan(**_columns(row, Scan))
    out.outcome = ScanOutcome(row.outcome)
    return out


def blob(row: BlobRow) -> Blob:
    return Blob(**_columns(row, Blob))


def conversation_row(message: ConversationMessage) -> ConversationMessageRow:
    return ConversationMessageRow(id=message.id, **values(message))


def conversation_message(row: ConversationMessageRow) -> ConversationMessage:
    out = ConversationMessage(**_columns(row, ConversationMessage))
    out.direction = Direction(row.direction)
    out.kind = MessageKind(row.kind)
    return out
