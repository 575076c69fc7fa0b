"""A brand file, checked: its entries as plain values in, a plan or every problem out.

``plan_brand`` checks every entry of a BrandDocument (commerce.brand_document) and raises
BrandFileError listing every problem, each prefixed with its entry's label, so a person can
fix the whole file in one pass; commerce.entry_fields reads each field.

Nothing here touches storage; commerce.onboarding applies a plan in one transaction.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import TypeVar

from commerce.brand_document import BrandDocument, BrandFileError, Entry, Problem
from commerce.brand_specs import (
    AssociateSpec,
    BrandPlan,
    BrandSpec,
    HQSpec,
    RewardSpec,
    ShopSpec,
    StoreSpec,
)
from commerce.catalog import tier_key
from commerce.entry_fields import EntryFields
from commerce.hours import HoursError, parse_hours
from commerce.money import MoneyError, currency_code, parse_amount
from commerce.shop_policy import DEFAULT_HOLD, DEFAULT_RADIUS_KM

LOCALES = ("en", "zh-Hans")

_STORE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CODE_PREFIX = re.compile(r"[A-Za-z0-9]{1,16}")
TIER_NAME_LIMIT = 32  # the member's tier column and member prices' tier column
S = TypeVar("S")


def plan_brand(document: BrandDocument, existing_store_codes: Collection[str] = ()) -> BrandPlan:
    """The checked plan, or BrandFileError with every problem of the document. Associates
    may name a store of the file or one that exists already (``existing_store_codes``)."""
    problems: list[Problem] = list(document.problems)
    brand = _valid(_brand, document.brand, problems, "brand") if document.brand else None
    checked_stores = [_checked(_store, entry, problems, "store") for entry in document.stores]
    stores = _unique(checked_stores, lambda spec: spec.code, lambda spec: f"store code '{spec.code}'", problems)
    # A store entry with a wrong field still defines its code: its associates are not
    # reported again for it.
    known = set(existing_store_codes) | {spec.code for _, spec, _ in checked_stores if spec.code}
    associates = _unique(
        [_checked(lambda f: _associate(f, known), entry, problems, "associate") for entry in document.associates],
        lambda spec: (spec.store_code, spec.name), lambda spec: f"associate '{spec.name}' of store '{spec.store_code}'", problems)
    operators = _unique([_checked(_hq, entry, problems, "hq") for entry in document.hq_operators],
                        lambda spec: spec.name, lambda spec: f"HQ operator '{spec.name}'", problems)
    _no_shared_accounts(document, associates, operators, problems)
    reward = _valid(_reward, document.reward, problems, "reward") if document.reward else None
    shop = _valid(_shop, document.shop, problems, "shop") if document.shop else None
    if problems:
        raise BrandFileError([text for _, text in sorted(problems, key=lambda problem: problem[0])])
    return BrandPlan(document.source, brand, stores, associates, operators, reward, shop)


def associate_spec(label: str, store_code: str, name: str, locale: str | None, manager: bool) -> AssociateSpec:
    """One associate typed on the command line, checked like a file entry."""
    problems: list[Problem] = []
    entry = Entry(label, label, {"store": store_code, "name": name, "locale": locale, "manager": manager})
    spec = _valid(lambda f: _associate(f, known_stores=None), entry, problems, "associate")
    if problems or spec is None:
        raise BrandFileError([text for _, text in problems])
    return spec


# --- one kind of entry each -----------------------------------------------------------


def _brand(f: EntryFields) -> BrandSpec:
    name = f.text("name", required=True, limit=64)
    colour = f.matching("colour", _COLOUR, "is not a colour like #8C1D40") or "#1F3A5F"
    locale = f.choice("default_locale", LOCALES) or "en"
    timezone = f.timezone("timezone") or "UTC"
    welcome = f.text("welcome_text", limit=4096)
    clock = f.matching("leaderboard_time", _CLOCK, "is not a time like 21:00") or "21:00"
    auto_reply = f.whole("auto_reply_hours", 0, 24 * 30)  # 0: never auto-reply
    escalation = f.whole("escalation_minutes", 0, 7 * 24 * 60)  # 0: never escalate
    return BrandSpec(name or "", colour, locale, timezone, welcome, clock, 12 if auto_reply is None else auto_reply,
                     30 if escalation is None else escalation)


def _store(f: EntryFields) -> StoreSpec:
    code = f.matching("code", _STORE_CODE, "may only hold letters, digits, '-' and '_' (at most 32)", required=True)
    name = f.text("name", required=True)
    latitude, longitude = f.number("latitude", -90, 90), f.number("longitude", -180, 180)
    if f.has("latitude") != f.has("longitude"):
        f.problem("latitude and longitude go together: " + ("longitude" if f.has("latitude") else "latitude") + " is missing")
    hours = f.text("hours") or ""
    try:
        parse_hours(hours)
    except HoursError as error:
        f.problem(f"hours '{hours}' cannot be read at '{error.fragment}' (write e.g. Mon-Fri 10:00-19:00, Sat 11:00-17:00)")
    return StoreSpec(code or "", name or "", f.text("address", limit=500) or "", latitude, longitude,
                     f.timezone("timezone"), hours)


def _associate(f: EntryFields, known_stores: Collection[str] | None) -> AssociateSpec:
    name = f.text("name", required=True)
    store = f.text("store", required=True, limit=32)
    if store is not None and known_stores is not None and store not in known_stores:
        f.problem(f"store '{store}' is not defined")
    return AssociateSpec(f.entry.label, store or "", name or "", f.choice("locale", LOCALES), f.boolean("manager"),
                         f.telegram_id("telegram"))


def _hq(f: EntryFields) -> HQSpec:
    return HQSpec(f.entry.label, f.text("name", required=True) or "", f.telegram_id("telegram"))


def _reward(f: EntryFields) -> RewardSpec:
    percent = f.whole("percent_off", 1, 100, required=True)
    days = f.whole("valid_days", 1, 3650)
    prefix = f.matching("code_prefix", _CODE_PREFIX, "may only hold letters and digits (at most 16)")
    return RewardSpec(percent or 0, days or 30, (prefix or "WELCOME").upper())


def _shop(f: EntryFields) -> ShopSpec:
    written = f.text("currency", required=True, limit=8)
    currency = currency_code(written) if written is not None else None
    if written is not None and currency is None:
        f.problem(f"currency '{written}' is not an ISO 4217 code like CNY or EUR")
    tiers = _tiers(f, currency) if f.has("tiers") else None
    points = f.whole("points_per_unit", 0, 1000)
    hold = f.whole("hold_minutes", 1, 7 * 24 * 60)
    radius = f.number("same_day_radius_km", 0, 500)
    return ShopSpec(currency or "", tiers, 1 if points is None else points,
                    int(DEFAULT_HOLD.total_seconds() // 60) if hold is None else hold,
                    DEFAULT_RADIUS_KM if radius is None else radius)


def _tiers(f: EntryFields, currency: str | None) -> tuple[tuple[str, int], ...] | None:
    """Tier name -> least 12-month spend: a mapping (YAML) or text ("Silver: 2,000; Gold:
    10,000", as a CSV cell holds it); in any order, each amount higher than the one below."""
    written = f.entry.fields["tiers"]
    pairs = _tier_pairs(written)
    if pairs is None:
        f.problem("tiers must name each tier with the least 12-month spend that reaches it, "
                  "as 'Silver: 2,000; Gold: 10,000' or a mapping")
        return None
    steps: list[tuple[str, int]] = []
    names: dict[str, str] = {}
    for name, amount in pairs:
        if not name or len(name) > TIER_NAME_LIMIT:
            f.problem(f"tiers: a tier name has 1 to {TIER_NAME_LIMIT} characters ('{name}')")
            continue
        if tier_key(name) in names:
            f.problem(f"tiers: {name} is given twice (as {names[tier_key(name)]} before)")
            continue
        names[tier_key(name)] = name
        if isinstance(amount, bool) or not isinstance(amount, (str, int, float)):
            f.problem(f"tiers: {name} needs an amount like 2,000")
            continue
        if currency is None:
            continue  # the currency's problem is reported: amounts cannot be read without it
        try:
            steps.append((name, parse_amount(str(amount), currency)))
        except MoneyError as error:
            f.problem(f"tiers: {name}: {error}")
    if not pairs:
        f.problem("tiers is empty (leave it out to keep the default tiers)")
    steps.sort(key=lambda step: step[1])
    for (lower, least), (higher, same) in itertools.pairwise(steps):
        if least == same:
            f.problem(f"tiers: {lower} and {higher} start at the same spend: each tier needs more than the one below")
    return tuple(steps)


def _tier_pairs(written: object) -> list[tuple[str, object]] | None:
    if isinstance(written, Mapping):
        return [(str(name).strip(), amount) for name, amount in written.items()]
    if not isinstance(written, str):
        return None
    pairs: list[tuple[str, object]] = []
    for part in written.split(";"):
        if not part.strip():
            continue
        name, colon, amount = part.partition(":")
        if not colon:
            return None
        pairs.append((name.strip(), amount.strip()))
    return pairs


def _checked(build: Callable[[EntryFields], S], entry: Entry, problems: list[Problem], kind: str) -> tuple[Entry, S, bool]:
    """The entry's spec, built even when some field is wrong (its key may still clash),
    and whether it is valid."""
    fields = EntryFields(entry, problems, kind)
    spec = build(fields)
    return entry, spec, fields.ok


def _valid(build: Callable[[EntryFields], S], entry: Entry, problems: list[Problem], kind: str) -> S | None:
    _, spec, ok = _checked(build, entry, problems, kind)
    return spec if ok else None


def _unique(checked: Sequence[tuple[Entry, S, bool]], key: Callable[[S], Hashable], describe: Callable[[S], str],
            problems: list[Problem]) -> list[S]:
    """The valid specs. A key given twice is a problem of the later entry, whether or not
    the first one is valid otherwise; an entry whose key itself is wrong is not compared."""
    first_at: dict[Hashable, str] = {}
    specs = []
    for entry, spec, ok in checked:
        spec_key = key(spec)
        complete = all(spec_key) if isinstance(spec_key, tuple) else bool(spec_key)
        if complete and spec_key in first_at:
            problems.append((entry.position, f"{entry.label}: {describe(spec)} is already defined at {first_at[spec_key]}"))
            continue
        if complete:
            first_at[spec_key] = entry.where
        if ok:
            specs.append(spec)
    return specs


def _no_shared_accounts(document: BrandDocument, associates: Sequence[AssociateSpec], operators: Sequence[HQSpec],
                        problems: list[Problem]) -> None:
    """One Telegram account is one person with one role in the staff bot."""
    entries = {entry.label: entry for entry in [*document.associates, *document.hq_operators]}
    first_at: dict[int, str] = {}
    for spec in [*associates, *operators]:
        if spec.telegram_user_id is None:
            continue
        entry = entries[spec.label]
        if spec.telegram_user_id in first_at:
            problems.append((entry.position, f"{spec.label}: Telegram user {spec.telegram_user_id} is already given to "
                                             f"{first_at[spec.telegram_user_id]}"))
        else:
            first_at[spec.telegram_user_id] = entry.where

