"""A brand file, checked: its entries as plain values in, a plan or every problem out.

bot/cli/brandfile.py reads YAML or CSV into a BrandDocument: entries of raw values, each
labelled with where it came from ("brand.yaml: associates[3]", "brand.csv line 7").
``plan_brand`` checks all of them and raises BrandFileError listing every problem, each
prefixed with its entry's label, so a person can fix the whole file in one pass. Values
may be typed (YAML) or text (CSV): "31.2", "yes" and "123" are read like 31.2, true and 123.

Nothing here touches storage; commerce.onboarding applies a plan in one transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commerce.hours import HoursError, parse_hours

LOCALES = ("en", "zh-Hans")
NAME_LIMIT = 200  # the name columns' size

# The fields of each kind of entry, as YAML keys and CSV column names.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "brand": ("name", "colour", "default_locale", "timezone", "welcome_text", "leaderboard_time", "auto_reply_hours",
              "escalation_minutes"),
    "store": ("code", "name", "address", "latitude", "longitude", "timezone", "hours"),
    "associate": ("name", "store", "locale", "manager", "telegram"),
    "hq": ("name", "telegram"),
    "reward": ("percent_off", "valid_days", "code_prefix"),
}

_STORE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CODE_PREFIX = re.compile(r"[A-Za-z0-9]{1,16}")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}
S = TypeVar("S")
Problem = tuple[int, str]  # (position in the file, 0 for the file as a whole; the line to show)


class BrandFileError(Exception):
    """The file cannot be loaded; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Entry:
    label: str  # prefixes this entry's problems: "brand.yaml: stores[2]", "brand.csv line 7"
    where: str  # names it in another entry's problem: "stores[2]", "line 7"
    fields: Mapping[str, object]
    position: int = 0  # where it is in the file (CSV: the line): problems are listed in this order


@dataclass(frozen=True, slots=True)
class BrandDocument:
    source: str  # the file's name, as problems mention it
    brand: Entry | None = None
    stores: Sequence[Entry] = ()
    associates: Sequence[Entry] = ()
    hq_operators: Sequence[Entry] = ()
    reward: Entry | None = None
    problems: Sequence[Problem] = ()  # what the reader found wrong with the file's shape


@dataclass(frozen=True, slots=True)
class BrandSpec:
    name: str
    colour: str
    default_locale: str
    timezone: str
    welcome_text: str | None
    leaderboard_time: str
    auto_reply_hours: int = 12  # commerce.availability: at most one auto-reply per member per this many hours
    escalation_minutes: int = 30  # commerce.escalation: unanswered this long (store open) goes to the store team


@dataclass(frozen=True, slots=True)
class StoreSpec:
    code: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    timezone: str | None  # None: the brand's time zone
    hours: str


@dataclass(frozen=True, slots=True)
class AssociateSpec:
    label: str
    store_code: str
    name: str
    locale: str | None  # None: the brand's default locale
    is_manager: bool
    telegram_user_id: int | None  # None: bound later through an invite; an existing binding stays


@dataclass(frozen=True, slots=True)
class HQSpec:
    label: str
    name: str
    telegram_user_id: int | None


@dataclass(frozen=True, slots=True)
class RewardSpec:
    percent_off: int
    valid_days: int
    code_prefix: str


@dataclass(frozen=True, slots=True)
class BrandPlan:
    source: str
    brand: BrandSpec | None = None
    stores: Sequence[StoreSpec] = ()
    associates: Sequence[AssociateSpec] = ()
    hq_operators: Sequence[HQSpec] = ()
    reward: RewardSpec | None = None


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
    if problems:
        raise BrandFileError([text for _, text in sorted(problems, key=lambda problem: problem[0])])
    return BrandPlan(document.source, brand, stores, associates, operators, reward)


def associate_spec(label: str, store_code: str, name: str, locale: str | None, manager: bool) -> AssociateSpec:
    """One associate typed on the command line, checked like a file entry."""
    problems: list[Problem] = []
    entry = Entry(label, label, {"store": store_code, "name": name, "locale": locale, "manager": manager})
    spec = _valid(lambda f: _associate(f, known_stores=None), entry, problems, "associate")
    if problems or spec is None:
        raise BrandFileError([text for _, text in problems])
    return spec


# --- one kind of entry each -----------------------------------------------------------


def _brand(f: _Fields) -> BrandSpec:
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


def _store(f: _Fields) -> StoreSpec:
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


def _associate(f: _Fields, known_stores: Collection[str] | None) -> AssociateSpec:
    name = f.text("name", required=True)
    store = f.text("store", required=True, limit=32)
    if store is not None and known_stores is not None and store not in known_stores:
        f.problem(f"store '{store}' is not defined")
    return AssociateSpec(f.entry.label, store or "", name or "", f.choice("locale", LOCALES), f.boolean("manager"),
                         f.telegram_id("telegram"))


def _hq(f: _Fields) -> HQSpec:
    return HQSpec(f.entry.label, f.text("name", required=True) or "", f.telegram_id("telegram"))


def _reward(f: _Fields) -> RewardSpec:
    percent = f.whole("percent_off", 1, 100, required=True)
    days = f.whole("valid_days", 1, 3650)
    prefix = f.matching("code_prefix", _CODE_PREFIX, "may only hold letters and digits (at most 16)")
    return RewardSpec(percent or 0, days or 30, (prefix or "WELCOME").upper())


def _checked(build: Callable[[_Fields], S], entry: Entry, problems: list[Problem], kind: str) -> tuple[Entry, S, bool]:
    """The entry's spec, built even when some field is wrong (its key may still clash),
    and whether it is valid."""
    fields = _Fields(entry, problems, kind)
    spec = build(fields)
    return entry, spec, fields.ok


def _valid(build: Callable[[_Fields], S], entry: Entry, problems: list[Problem], kind: str) -> S | None:
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


# --- reading one field ---------------------------------------------------------------------


class _Fields:
    """Reads an entry's fields, noting problems under the entry's label. Absent, None and
    blank values are all "not given"."""

    def __init__(self, entry: Entry, problems: list[Problem], kind: str) -> None:
        self.entry, self.problems, self.ok = entry, problems, True
        for name in entry.fields:
            if name not in FIELDS[kind]:
                self.problem(f"unknown field '{name}' (expected {', '.join(FIELDS[kind])})")

    def problem(self, message: str) -> None:
        self.problems.append((self.entry.position, f"{self.entry.label}: {message}"))
        self.ok = False

    def has(self, name: str) -> bool:
        value = self.entry.fields.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def _given(self, name: str, required: bool) -> object | None:
        if self.has(name):
            value = self.entry.fields[name]
            return value.strip() if isinstance(value, str) else value
        if required:
            self.problem(f"{name} is missing")
        return None

    def text(self, name: str, *, required: bool = False, limit: int = NAME_LIMIT) -> str | None:
        value = self._given(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(f"{name} must be text")
            return None
        value = str(value)
        if len(value) > limit:
            self.problem(f"{name} is longer than {limit} characters")
            return None
        return value

    def matching(self, name: str, pattern: re.Pattern[str], complaint: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and not pattern.fullmatch(value):
            self.problem(f"{name} '{value}' {complaint}")
            return None
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self.problem(f"{name} '{value}' is not one of {', '.join(choices)}")
            return None
        return value

    def timezone(self, name: str) -> str | None:
        value = self.text(name, limit=64)
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(f"{name} '{value}' is not an IANA time zone (e.g. Asia/Shanghai)")
            return None
        return value

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self._given(name, False)
        if value is None:
            return None
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            self.problem(f"{name} '{value}' is not a number")
            return None
        if not low <= number <= high:
            self.problem(f"{name} {value} is out of range ({low:g} to {high:g})")
            return None
        return number

    def whole(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self._given(name, required)
        if value is None:
            return None
        number = _as_int(value)
        if number is None or not low <= number <= high:
            self.problem(f"{name} '{value}' is not a whole number from {low} to {high}")
            return None
        return number

    def boolean(self, name: str) -> bool:
        value = self._given(name, False)
        if value is None or isinstance(value, bool):
            return bool(value)
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        self.problem(f"{name} '{value}' is not true or false")
        return False

    def telegram_id(self, name: str) -> int | None:
        value = self._given(name, False)
        if value is None:
            return None
        number = _as_int(value)
        if number is None or not 0 < number < 2**53:
            self.problem(f"{name} '{value}' is not a numeric Telegram user id")
            return None
        return number


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value):
        return int(value)
    return None

