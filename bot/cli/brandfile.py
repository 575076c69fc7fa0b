"""Reading a brand file (YAML or CSV) into a commerce.brand_document.BrandDocument.

YAML (``.yaml``/``.yml``) has one section per kind, as assets/demo/brand.yaml shows:
``brand``, ``reward`` and ``shop`` are mappings (``shop``'s ``tiers`` a mapping too), ``stores``, ``associates`` and ``hq_operators``
lists of mappings. Entries are named ``stores[0]``, ``associates[3]`` (counting from 0).

CSV (``.csv``, UTF-8, with a header row) has one row per entry and a ``kind`` column:
``brand``, ``store``, ``associate``, ``hq``, ``reward`` or ``shop`` (its ``tiers`` cell as
``Silver: 2,000; Gold: 10,000``). The other columns are the
field names of every kind together (commerce.brand_document.FIELDS); a row fills the
columns of its kind and leaves the rest empty. ``name`` serves every kind. Entries are
named by line number; blank lines and lines starting with ``#`` are skipped.

This module only gives the file its shape; commerce.brand_plan checks the values.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.runtime.settings import Settings
from commerce.brand import find_or_create_brand
from commerce.brand_document import FIELDS, BrandDocument, BrandFileError, Entry, Problem
from commerce.brand_plan import plan_brand
from commerce.onboarding import LoadSummary, apply_brand_plan
from commerce.ports.uow import UnitOfWork

SECTIONS = {"brand": "brand", "stores": "store", "associates": "associate", "hq_operators": "hq", "reward": "reward",
            "shop": "shop"}
LISTS = ("stores", "associates", "hq_operators")
CSV_KINDS = {kind: section for section, kind in SECTIONS.items()}  # "store" -> "stores"
ALL_FIELDS = frozenset(name for names in FIELDS.values() for name in names)


def read_brand_file(path: Path) -> BrandDocument:
    """The document, or BrandFileError when the file cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise BrandFileError([f"{path.name}: a brand file ends in .yaml, .yml or .csv"])
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Excel writes a byte-order mark
    except FileNotFoundError:
        raise BrandFileError([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise BrandFileError([f"{path.name}: not UTF-8 text"]) from None
    except OSError as exc:
        raise BrandFileError([f"{path}: cannot be read ({exc.strerror})"]) from None
    if suffix == ".csv":
        return document_from_csv(text, path.name)
    return document_from_yaml(text, path.name)


def document_from_yaml(text: str, source: str) -> BrandDocument:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BrandFileError([f"{source}{where}: not valid YAML ({problem})"]) from None
    return document_from_mapping(data, source)


def document_from_mapping(data: Any, source: str) -> BrandDocument:
    """The document of already parsed YAML (the demo fills in sandbox ids first)."""
    if not isinstance(data, Mapping):
        raise BrandFileError([f"{source}: expected sections {', '.join(SECTIONS)} at the top level"])
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    position = itertools.count(1)  # entries in file order, for the order of the problems
    for section, value in data.items():
        if section not in SECTIONS:
            problems.append((0, f"{source}: unknown section '{section}' (expected {', '.join(SECTIONS)})"))
        elif value is None:
            continue
        elif section in LISTS:
            if not isinstance(value, list):
                problems.append((0, f"{source}: {section} must be a list of entries"))
                continue
            parts[section] = [entry for index, item in enumerate(value)
                              if (entry := _yaml_entry(source, f"{section}[{index}]", item, next(position), problems))]
        else:
            parts[section] = _yaml_entry(source, section, value, next(position), problems)
    return BrandDocument(source=source, problems=problems, **parts)


def _yaml_entry(source: str, where: str, value: Any, position: int, problems: list[Problem]) -> Entry | None:
    label = f"{source}: {where}"
    if not isinstance(value, Mapping):
        problems.append((position, f"{label}: must be a mapping of fields"))
        return None
    return Entry(label, where, {str(name): field for name, field in value.items()}, position)


def document_from_csv(text: str, source: str) -> BrandDocument:
    rows = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    header: list[str] | None = None
    entries: dict[str, list[Entry]] = {section: [] for section in SECTIONS}
    line = 1
    try:
        for cells in rows:
            first_line, line = line, rows.line_num + 1
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                if "kind" not in header:
                    raise BrandFileError([f"{source} line {first_line}: the first row names the columns, and one is 'kind'"])
                problems += [(first_line, f"{source} line {first_line}: unknown column '{name}'")
                             for name in header if name and name != "kind" and name not in ALL_FIELDS]
                continue
            entry = _csv_entry(source, first_line, header, cells, problems)
            if entry is not None:
                kind, value = entry
                entries[CSV_KINDS[kind]].append(value)
    except csv.Error as exc:
        raise BrandFileError([f"{source} line {rows.line_num}: not valid CSV ({exc})"]) from None
    if header is None:
        raise BrandFileError([f"{source}: empty file"])
    single: dict[str, Entry | None] = {}
    for section in ("brand", "reward", "shop"):
        found = entries.pop(section)
        problems += [(extra.position, f"{extra.label}: a second {section} row (the first is {found[0].where})")
                     for extra in found[1:]]
        single[section] = found[0] if found else None
    return BrandDocument(source=source, problems=problems, **single, **entries)


def _csv_entry(source: str, line: int, header: list[str], cells: list[str], problems: list[Problem]) -> tuple[str, Entry] | None:
    label = f"{source} line {line}"
    if any(cell.strip() for cell in cells[len(header):]):  # empty trailing cells are a spreadsheet's habit
        problems.append((line, f"{label}: {len(cells)} values for {len(header)} columns"))
        return None
    row = {name: cell.strip() for name, cell in zip(header, cells) if name and cell.strip()}
    kind = row.pop("kind", "").lower()
    if kind not in CSV_KINDS:
        problems.append((line, f"{label}: kind '{kind}' is not one of {', '.join(CSV_KINDS)}" if kind else f"{label}: kind is missing"))
        return None
    for name in list(row):
        if name not in FIELDS[kind]:
            if name in ALL_FIELDS:
                problems.append((line, f"{label}: column '{name}' does not apply to {kind} rows"))
            row.pop(name)  # an unknown column was reported with the header
    return kind, Entry(label, f"line {line}", row, line)


async def load_document(uow: UnitOfWork, document: BrandDocument, *, settings: Settings, now: datetime,
                        actor: str) -> LoadSummary:
    """Check the document against the database and apply it, in the caller's transaction
    (the caller commits). `storelink brand load` and the demo both load brands this way."""
    brand, new = await find_or_create_brand(uow, settings.brand_name, settings.default_locale, settings.timezone)
    assert brand.id is not None
    plan = plan_brand(document, [store.code for store in await uow.stores.list(brand.id)])
    return await apply_brand_plan(uow, brand, plan, key=settings.signing_keys()[0], now=now, actor=actor, brand_is_new=new)
