"""A brand file as read, before any check: entries of raw values, each labelled with where
it came from ("brand.yaml: associates[3]", "brand.csv line 7"), the fields each kind of
entry may have, and the error that lists every problem of a file.

bot/cli/brandfile.py reads YAML or CSV into a BrandDocument; commerce.brand_plan checks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The fields of each kind of entry, as YAML keys and CSV column names.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "brand": ("name", "colour", "default_locale", "timezone", "welcome_text", "leaderboard_time", "auto_reply_hours",
              "escalation_minutes"),
    "store": ("code", "name", "address", "latitude", "longitude", "timezone", "hours"),
    "associate": ("name", "store", "locale", "manager", "telegram"),
    "hq": ("name", "telegram"),
    "reward": ("percent_off", "valid_days", "code_prefix"),
    "shop": ("currency", "tiers", "points_per_unit", "hold_minutes", "same_day_radius_km"),
}

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
    shop: Entry | None = None
    problems: Sequence[Problem] = ()  # what the reader found wrong with the file's shape

