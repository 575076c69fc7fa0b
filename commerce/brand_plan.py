"""A brand file, checked: its entries as plain values in, a plan or every problem out.

bot/brandfile.py reads YAML or CSV into a BrandDocument: entries of raw values, each
labelled with where it came from ("brand.yaml: associates[3]", "brand.csv line 7").
``plan_brand`` checks all of them and raises BrandFileError listing every problem, each
prefixed with its entry's label, so a person can fix the whole file in one pass. Values
may be typed (YAML) or text (CSV): "31.2", "yes" and "123" are read like 31.2, true and 123.

Nothing here touches storage; commerce.onboarding applies a plan in one transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALES = ("en", "zh-Hans")
NAME_LIMIT = 200  # the name columns' size

# The fields of each kind of entry, as YAML keys and CSV column names.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "brand": ("name", "colour", "default_locale", "timezone", "welcome_text", "leaderboard_time"),
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


@dataclass(frozen=True, slots=True)
class BrandDocument:
    source: str  # the file's name, as problems mention it
    brand: Entry | None = None
    stores: Sequence[Entry] = ()
    associates: Sequence[Entry] = ()
    hq_operators: Sequence[Entry] = ()
    reward: Entry | None = None
    problems: Sequence[str] = ()  # what the reader found wrong with the file's shape


@dataclass(frozen=True, slots=True)
class BrandSpec:
    name: str
    colour: str
    default_locale: str
    timezone: str
    welcome_text: str | None
    leaderboard_time: str


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
    problems = list(document.problems)
    brand = _brand(_Fields(document.brand, problems, "brand")) if document.brand else None
    stores = _unique([(entry, _store(_Fields(entry, problems, "store"))) for entry in document.stores],
                     lambda spec: spec.code, lambda spec: f"store code '{spec.code}'", problems)
    known = set(existing_store_codes) | {spec.code for spec in stores}
    associates = _unique(
        [(entry, _associate(_Fields(entry, problems, "associate"), known)) for entry in document.associates],
        lambda spec: (spec.store_code, spec.name), lambda spec: f"associate '{spec.name}' of store '{spec.store_code}'", problems)
    operators = _unique([(entry, _hq(_Fields(entry, problems, "hq"))) for entry in document.hq_operators],
                        lambda spec: spec.name, lambda spec: f"HQ operator '{spec.name}'", problems)
    _no_shared_accounts(document, associates, operators, problems)
    reward = _reward(_Fields(document.reward, problems, "reward")) if document.reward else None
    if problems:
        raise BrandFileError(problems)
    return BrandPlan(document.source, brand, stores, associates, operators, reward)


def associate_spec(label: str, store_code: str, name: str, locale: str | None, manager: bool) -> AssociateSpec:
    """One associate typed on the command line, checked like a file entry."""
    problems: list[str] = []
    entry = Entry(label, label, {"store": store_code, "name": name, "locale": locale, "manager": manager})
    spec = _associate(_Fields(entry, problems, "associate"), known_stores=None)
    if problems or spec is None:
        raise BrandFileError(problems)
    return spec


# --- one kind of entry each -----------------------------------------------------------


def _brand(f: _Fields) -> BrandSpec | None:
    name = f.text("name", required=True, limit=64)
    colour = f.matching("colour", _COLOUR, "is not a colour like #8C1D40") or "#1F3A5F"
    locale = f.choice("default_locale", LOCALES) or "en"
    timezone = f.timezone("timezone") or "UTC"
    welcome = f.text("welcome_text", limit=4096)
    clock = f.matching("leaderboard_time", _CLOCK, "is not a time like 21:00") or "21:00"
    return BrandSpec(name, colour, locale, timezone, welcome, clock) if f.ok and name else None


def _store(f: _Fields) -> StoreSpec | None:
    code = f.matching("code", _STORE_CODE, "may only hold letters, digits, '-' and '_' (at most 32)", required=True)
    name = f.text("name", required=True)
    latitude, longitude = f.number("latitude", -90, 90), f.number("longitude", -180, 180)
    if f.has("latitude") != f.has("longitude"):
        f.problem("latitude and longitude go together: " + ("longitude" if f.has("latitude") else "latitude") + " is missing")
    spec = StoreSpec(code or "", name or "", f.text("address", limit=500) or "", latitude, longitude,
                     f.timezone("timezone"), f.text("hours") or "")
    return spec if f.ok else None


def _associate(f: _Fields, known_stores: Collection[str] | None) -> AssociateSpec | None:
    name = f.text("name", required=True)
    store = f.text("store", required=True, limit=32)
    if store is not None and known_stores is not None and store not in known_stores:
        f.problem(f"store '{store}' is not defined")
    spec = AssociateSpec(f.entry.label, store or "", name or "", f.choice("locale", LOCALES), f.boolean("manager"),
                         f.telegram_id("telegram"))
    return spec if f.ok else None


def _hq(f: _Fields) -> HQSpec | None:
    spec = HQSpec(f.entry.label, f.text("name", required=True) or "", f.telegram_id("telegram"))
    return spec if f.ok else None


def _reward(f: _Fields) -> RewardSpec | None:
    percent = f.whole("percent_off", 1, 100, required=True)
    days = f.whole("valid_days", 1, 3650)
    prefix = f.matching("code_prefix", _CODE_PREFIX, "may only hold letters and digits (at most 16)")
    return RewardSpec(percent or 0, days or 30, (prefix or "WELCOME").upper()) if f.ok else None


def _unique(checked, key, describe, problems: list[str]) -> list:  # noqa: ANN001
    """The valid specs, each key once; a repeated key is a problem of the later entry."""
    first_at: dict[object, str] = {}
    specs = []
    for entry, spec in checked:
        if spec is None:
            continue
        if key(spec) in first_at:
            problems.append(f"{entry.label}: {describe(spec)} is already defined at {first_at[key(spec)]}")
            continue
        first_at[key(spec)] = entry.where
        specs.append(spec)
    return specs


def _no_shared_accounts(document: BrandDocument, associates: Sequence[AssociateSpec], operators: Sequence[HQSpec],
                        problems: list[str]) -> None:
    """One Telegram account is one person with one role in the staff bot."""
    where = {entry.label: entry.where for entry in [*document.associates, *document.hq_operators]}
    first_at: dict[int, str] = {}
    for spec in [*associates, *operators]:
        if spec.telegram_user_id is None:
            continue
        if spec.telegram_user_id in first_at:
            problems.append(f"{spec.label}: Telegram user {spec.telegram_user_id} is already given to {first_at[spec.telegram_user_id]}")
        else:
            first_at[spec.telegram_user_id] = where[spec.label]


# --- reading one field ---------------------------------------------------------------------


class _Fields:
    """Reads an entry's fields, noting problems under the entry's label. Absent, None and
    blank values are all "not given"."""

    def __init__(self, entry: Entry | None, problems: list[str], kind: str) -> None:
        assert entry is not None
        self.entry, self.problems, self.ok = entry, problems, True
        for name in entry.fields:
            if name not in FIELDS[kind]:
                self.problem(f"unknown field '{name}' (expected {', '.join(FIELDS[kind])})")

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.entry.label}: {message}")
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

