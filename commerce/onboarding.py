"""Onboarding: a brand's stores, associates and HQ operators from a checked BrandPlan,
associates added one by one, and the invites that bind an associate's Telegram account.

Everything runs in the caller's unit of work; the caller commits. Loading a plan first
checks it against what is stored and raises BrandFileError before writing anything.
It then matches what exists by stable keys, so loading the same file again changes
nothing:

    store         by code
    associate     by (store code, name): a renamed or moved associate is a new one
    HQ operator   by name
    reward        the brand's active rule, replaced by a new rule when its terms differ
    shop          the brand's shop policies, replaced as a whole (an omitted field: its default)

A file is the truth for the fields it lists (an omitted optional field takes its default),
except an associate's Telegram account: omitted, the binding made through an invite stays.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from commerce.brand_document import BrandFileError
from commerce.brand_specs import AssociateSpec, BrandPlan, BrandSpec, HQSpec, RewardSpec, ShopSpec, StoreSpec
from commerce.codes import make_short_code, normalise_short_code
from commerce.ids import parse_row_id
from commerce.people import Associate, AssociateInvite, AssociateStatus, AuditEntry, Brand, HQOperator, Store
from commerce.points import PointsPolicy, TierThresholds
from commerce.rewards import RewardRule
from commerce.shop_policy import ShopPolicy
from commerce.ports.uow import DuplicateError, UnitOfWork

INVITE_VALIDITY = timedelta(days=7)
SHORT_CODE_ATTEMPTS = 20  # a clash among 31**6 codes is rare; twenty in a row means something else is wrong
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class OnboardingError(Exception):
    """A request that cannot be carried out, said in one line for the person who made it."""


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class LoadSummary:
    brand: Tally = field(default_factory=Tally)
    stores: Tally = field(default_factory=Tally)
    associates: Tally = field(default_factory=Tally)
    hq_operators: Tally = field(default_factory=Tally)
    reward: Tally = field(default_factory=Tally)
    shop: Tally = field(default_factory=Tally)
    new_unbound: list[tuple[Associate, Store]] = field(default_factory=list)  # they need an invite


async def apply_brand_plan(uow: UnitOfWork, brand: Brand, plan: BrandPlan, *, key: bytes, now: datetime,
                           actor: str = "cli", brand_is_new: bool = False) -> LoadSummary:
    """`brand_is_new`: the caller created the brand in this transaction, from the settings, to
    load the file into; it is counted as created (the file's brand line completes it)."""
    await _check_against_storage(uow, plan)
    summary = LoadSummary()
    outcome = await _update_brand(uow, brand, plan.brand) if plan.brand is not None else None
    if brand_is_new or outcome is not None:
        summary.brand.count(CREATED if brand_is_new else outcome)  # type: ignore[arg-type]
    assert brand.id is not None
    stores = {store.code: store for store in await uow.stores.list(brand.id)}
    for spec in plan.stores:
        outcome, stores[spec.code] = await _upsert_store(uow, brand, stores.get(spec.code), spec)
        summary.stores.count(outcome)
    for spec in plan.associates:
        store = stores.get(spec.store_code) or await uow.stores.by_code(spec.store_code)
        if store is None:  # plan_brand saw it; it went in the meantime
            raise BrandFileError([f"{spec.label}: store '{spec.store_code}' is not defined"])
        outcome, associate = await _upsert_associate(uow, brand, store, spec, key, now, actor)
        summary.associates.count(outcome)
        if outcome == CREATED and associate.telegram_user_id is None:
            summary.new_unbound.append((associate, store))
    operators = {operator.name: operator for operator in await uow.hq.list(brand.id)}
    for hq in plan.hq_operators:
        summary.hq_operators.count(await _upsert_hq(uow, brand, operators.get(hq.name), hq, now))
    if plan.reward is not None:
        summary.reward.count(await _replace_reward(uow, brand, plan.reward))
    if plan.shop is not None:
        summary.shop.count(await _replace_shop(uow, brand, plan.shop))
    await uow.audit.record(AuditEntry(at=now, actor=actor, action="brand.loaded", subject=f"brand:{brand.id}", details={
        "source": plan.source,
        **{kind: vars(getattr(summary, kind)) for kind in ("brand", "stores", "associates", "hq_operators", "reward",
                                                           "shop")},
    }))
    return summary


async def _check_against_storage(uow: UnitOfWork, plan: BrandPlan) -> None:
    """Telegram accounts the file gives away must not belong to someone else already."""
    problems = []
    for spec in [*plan.associates, *plan.hq_operators]:
        if spec.telegram_user_id is None:
            continue
        associate = await uow.associates.by_telegram_user(spec.telegram_user_id)
        store = await uow.stores.get(associate.store_id) if associate else None
        operator = await uow.hq.by_telegram_user(spec.telegram_user_id)
        same_associate = (isinstance(spec, AssociateSpec) and associate is not None and store is not None
                          and (store.code, associate.display_name) == (spec.store_code, spec.name))
        if associate is not None and store is not None and not same_associate:
            problems.append(f"{spec.label}: Telegram user {spec.telegram_user_id} is already bound to associate "
                            f"'{associate.display_name}' of store '{store.code}'")
        if operator is not None and not (isinstance(spec, HQSpec) and operator.name == spec.name):
            problems.append(f"{spec.label}: Telegram user {spec.telegram_user_id} is already HQ operator '{operator.name}'")
    if problems:
        raise BrandFileError(problems)


async def _update_brand(uow: UnitOfWork, brand: Brand, spec: BrandSpec) -> str:
    wanted = {"name": spec.name, "colour": spec.colour, "default_locale": spec.default_locale, "timezone": spec.timezone,
              "welcome_text": spec.welcome_text, "leaderboard_time": spec.leaderboard_time,
              "auto_reply_hours": spec.auto_reply_hours, "escalation_minutes": spec.escalation_minutes}
    if all(getattr(brand, name) == value for name, value in wanted.items()):
        return UNCHANGED
    for name, value in wanted.items():
        setattr(brand, name, value)
    await uow.brands.update(brand)
    return UPDATED


async def _upsert_store(uow: UnitOfWork, brand: Brand, existing: Store | None, spec: StoreSpec) -> tuple[str, Store]:
    assert brand.id is not None
    wanted = Store(brand_id=brand.id, code=spec.code, name=spec.name, address=spec.address, latitude=spec.latitude,
                   longitude=spec.longitude, timezone=spec.timezone or brand.timezone, hours=spec.hours)
    if existing is None:
        return CREATED, await uow.stores.add(wanted)
    wanted.id = existing.id
    if wanted == existing:
        return UNCHANGED, existing
    await uow.stores.update(wanted)
    return UPDATED, wanted


async def _upsert_associate(uow: UnitOfWork, brand: Brand, store: Store, spec: AssociateSpec, key: bytes,
                            now: datetime, actor: str) -> tuple[str, Associate]:
    assert store.id is not None
    locale = spec.locale or brand.default_locale
    existing = next((a for a in await uow.associates.list_by_store(store.id) if a.display_name == spec.name), None)
    if existing is None:
        associate = await create_associate(uow, store, name=spec.name, locale=locale, is_manager=spec.is_manager,
                                           telegram_user_id=spec.telegram_user_id, key=key, now=now, actor=actor)
        return CREATED, associate
    telegram = spec.telegram_user_id if spec.telegram_user_id is not None else existing.telegram_user_id
    if (existing.locale, existing.is_manager, existing.telegram_user_id) == (locale, spec.is_manager, telegram):
        return UNCHANGED, existing
    if telegram != existing.telegram_user_id:
        existing.staff_bot_since = None  # another account: the staff bot cannot write to it before it opens the bot
    existing.locale, existing.is_manager, existing.telegram_user_id = locale, spec.is_manager, telegram
    await uow.associates.update(existing)
    return UPDATED, existing


async def _upsert_hq(uow: UnitOfWork, brand: Brand, existing: HQOperator | None, spec: HQSpec, now: datetime) -> str:
    assert brand.id is not None
    if existing is None:
        await uow.hq.add(HQOperator(brand_id=brand.id, name=spec.name, telegram_user_id=spec.telegram_user_id, created_at=now))
        return CREATED
    if spec.telegram_user_id is None or spec.telegram_user_id == existing.telegram_user_id:
        return UNCHANGED
    existing.telegram_user_id = spec.telegram_user_id
    await uow.hq.update(existing)
    return UPDATED


async def _replace_reward(uow: UnitOfWork, brand: Brand, spec: RewardSpec) -> str:
    assert brand.id is not None
    active = await uow.rewards.active_rule(brand.id)
    if active is not None and (active.percent_off, active.valid_days, active.code_prefix) == (
            spec.percent_off, spec.valid_days, spec.code_prefix):
        return UNCHANGED
    # A new rule rather than an edit: coupons already issued keep pointing at their terms.
    await uow.rewards.add_rule(RewardRule(brand_id=brand.id, percent_off=spec.percent_off, valid_days=spec.valid_days,
                                          code_prefix=spec.code_prefix))
    return CREATED if active is None else UPDATED


async def _replace_shop(uow: UnitOfWork, brand: Brand, spec: ShopSpec) -> str:
    assert brand.id is not None
    tiers = TierThresholds(spec.tiers) if spec.tiers is not None else TierThresholds()
    wanted = ShopPolicy(hold_for=timedelta(minutes=spec.hold_minutes), points=PointsPolicy(spec.points_per_unit),
                        tiers=tiers, same_day_radius_km=spec.same_day_radius_km, currency=spec.currency)
    stored = await uow.brands.shop_policy(brand.id)
    if stored == wanted:
        return UNCHANGED
    await uow.brands.set_shop_policy(brand.id, wanted)
    return CREATED if stored is None else UPDATED


# --- associates one by one -----------------------------------------------------------------


async def create_associate(uow: UnitOfWork, store: Store, *, name: str, locale: str, is_manager: bool,
                           telegram_user_id: int | None, key: bytes, now: datetime, actor: str) -> Associate:
    """A new active associate with their short code. The code derives from the id, so the
    row goes in first under a unique placeholder; a clash of codes tries the next attempt."""
    assert store.id is not None
    associate = await uow.associates.add(Associate(
        store_id=store.id, display_name=name, short_code=f"new-{secrets.token_hex(12)}", locale=locale,
        is_manager=is_manager, telegram_user_id=telegram_user_id, created_at=now,
    ))
    assert associate.id is not None
    for attempt in range(SHORT_CODE_ATTEMPTS):
        associate.short_code = make_short_code(associate.id, key, attempt)
        try:
            await uow.associates.update(associate)
        except DuplicateError:
            continue
        await uow.audit.record(AuditEntry(at=now, actor=actor, action="associate.created", subject=f"associate:{associate.id}",
                                          details={"store": store.code, "short_code": associate.short_code}))
        return associate
    raise RuntimeError(f"no free short code for associate {associate.id} after {SHORT_CODE_ATTEMPTS} attempts")


async def add_associate(uow: UnitOfWork, spec: AssociateSpec, *, key: bytes, now: datetime, actor: str = "cli") -> tuple[Associate, Store]:
    store = await uow.stores.by_code(spec.store_code)
    if store is None:
        raise OnboardingError(f"store '{spec.store_code}' does not exist")
    brand = await uow.brands.get(store.brand_id)
    locale = spec.locale or (brand.default_locale if brand else "en")
    associate = await create_associate(uow, store, name=spec.name, locale=locale, is_manager=spec.is_manager,
                                       telegram_user_id=None, key=key, now=now, actor=actor)
    return associate, store


async def find_associate(uow: UnitOfWork, reference: str) -> Associate | None:
    """By id ("12") or by short code as typed ("k7q-xm4"). Short codes may be all digits:
    an id is tried first."""
    reference = reference.strip()
    row_id = parse_row_id(reference)
    if row_id is not None:
        found = await uow.associates.get(row_id)
        if found is not None:
            return found
    code = normalise_short_code(reference)
    return await uow.associates.by_short_code(code) if code else None


async def deactivate_associate(uow: UnitOfWork, associate: Associate, *, now: datetime, actor: str = "cli") -> bool:
    """Their codes stop enrolling and the staff bot stops knowing them; members keep their
    links and history (reassigning them is a separate HQ action). False if already done."""
    if associate.status is AssociateStatus.DEACTIVATED:
        return False
    associate.status = AssociateStatus.DEACTIVATED
    await uow.associates.update(associate)
    await uow.audit.record(AuditEntry(at=now, actor=actor, action="associate.deactivated", subject=f"associate:{associate.id}"))
    return True


# --- invites to the staff bot ------------------------------------------------------------------


def invite_token_hash(token: str) -> str:
    """Only this is stored: a database leak does not leak usable invites."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_invite(uow: UnitOfWork, associate: Associate, *, token: str, now: datetime,
                       valid_for: timedelta = INVITE_VALIDITY, actor: str = "cli") -> AssociateInvite:
    """A new single-use invite. Earlier unused invites stay valid until they expire."""
    if associate.status is not AssociateStatus.ACTIVE:
        raise OnboardingError(f"associate {associate.id} ({associate.display_name}) is deactivated")
    assert associate.id is not None
    invite = await uow.invites.add(AssociateInvite(associate_id=associate.id, token_hash=invite_token_hash(token),
                                                   created_at=now, expires_at=now + valid_for))
    await uow.audit.record(AuditEntry(at=now, actor=actor, action="associate.invited", subject=f"associate:{associate.id}",
                                      details={"invite_id": invite.id, "expires_at": invite.expires_at.isoformat()}))
    return invite


class InviteOutcome(StrEnum):
    BOUND = "bound"  # the account is the associate's now (or already was, through this very invite)
    ALREADY_USED = "already_used"  # another account used the invite first
    EXPIRED = "expired"  # past its expiry: the manager issues a new one
    UNKNOWN = "unknown"  # no such invite: mistyped, or not one of ours
    ACCOUNT_TAKEN = "account_taken"  # the account belongs to another active associate
    DEACTIVATED = "deactivated"  # the invited associate left or is suspended


@dataclass(frozen=True, slots=True)
class InviteResult:
    outcome: InviteOutcome
    associate: Associate | None = None
    store: Store | None = None


async def accept_invite(uow: UnitOfWork, token_hash: str, telegram_user_id: int, now: datetime) -> InviteResult:
    """Someone opened an invite link in the staff bot: bind their account, at most once."""
    invite = await uow.invites.by_token_hash(token_hash)
    associate = await uow.associates.get(invite.associate_id) if invite else None
    if invite is None or associate is None or invite.id is None:
        return await _refuse(uow, InviteOutcome.UNKNOWN, None, telegram_user_id, now)
    store = await uow.stores.get(associate.store_id)
    if associate.status is not AssociateStatus.ACTIVE:
        return await _refuse(uow, InviteOutcome.DEACTIVATED, associate, telegram_user_id, now)
    if invite.used_at is not None:
        if invite.used_by_telegram_user_id == telegram_user_id == associate.telegram_user_id:
            return InviteResult(InviteOutcome.BOUND, associate, store)  # the same person opened it again
        return await _refuse(uow, InviteOutcome.ALREADY_USED, associate, telegram_user_id, now)
    if now >= invite.expires_at:
        return await _refuse(uow, InviteOutcome.EXPIRED, associate, telegram_user_id, now)
    holder = await uow.associates.by_telegram_user(telegram_user_id)
    if holder is not None and holder.id != associate.id:
        if holder.status is AssociateStatus.ACTIVE:
            return await _refuse(uow, InviteOutcome.ACCOUNT_TAKEN, associate, telegram_user_id, now)
        # Someone who left and is invited again (another store, a new record): the old
        # record lets go of the account and keeps its members and history.
        holder.telegram_user_id = None
        await uow.associates.update(holder)
        await uow.audit.record(AuditEntry(at=now, actor=f"associate:{associate.id}", action="associate.unbound",
                                          subject=f"associate:{holder.id}", details={"telegram_user_id": telegram_user_id}))
    if not await uow.invites.use(invite.id, telegram_user_id, now):  # someone else was faster
        return await _refuse(uow, InviteOutcome.ALREADY_USED, associate, telegram_user_id, now)
    previous = associate.telegram_user_id
    associate.telegram_user_id = telegram_user_id
    if previous != telegram_user_id or associate.staff_bot_since is None:
        associate.staff_bot_since = now  # the invite is opened in the staff bot: it can write to them from now on
    # A DuplicateError here means a concurrent invite bound this account to another
    # associate first: it propagates and the caller's transaction rolls back the use.
    await uow.associates.update(associate)
    await uow.audit.record(AuditEntry(at=now, actor=f"associate:{associate.id}", action="associate.bound",
                                      subject=f"associate:{associate.id}",
                                      details={"telegram_user_id": telegram_user_id, "previous": previous, "invite_id": invite.id}))
    return InviteResult(InviteOutcome.BOUND, associate, store)


async def _refuse(uow: UnitOfWork, outcome: InviteOutcome, associate: Associate | None, telegram_user_id: int,
                  now: datetime) -> InviteResult:
    await uow.audit.record(AuditEntry(at=now, actor=f"telegram:{telegram_user_id}", action="associate.invite_refused",
                                      subject=f"associate:{associate.id}" if associate else "",
                                      details={"outcome": outcome.value}))
    return InviteResult(outcome, associate)
