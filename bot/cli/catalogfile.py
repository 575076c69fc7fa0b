"""Reading catalog and inventory files (CSV or JSON) into records for commerce.catalog_plan.

Catalog CSV: one row per SKU, a header row naming the columns (any order): the product's
``code``, ``name``, ``category``, ``currency``, ``description``, ``tags`` (comma-separated),
``new``, ``active``, ``images`` (separated by ``|``) and the variant's ``sku``, ``size``,
``colour``, ``price``, plus one ``member_price:<Tier>`` column per tier. Catalog JSON:
``{"products": [{<product fields>, "variants": [{<variant fields>, "member_prices":
{"Gold": "1180.00"}}]}]}``. Inventory: CSV columns ``store``, ``sku``, ``on_hand``, or JSON
``{"stock": [{"store": ..., "sku": ..., "on_hand": ...}]}``.

Blank lines and lines starting with ``#`` are skipped; records are named by line (CSV) or
by place (``products[2].variants[0]``, counting from 0). JSON numbers with decimals are
read as Decimal, never float.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from commerce.catalog_plan import (
    PRODUCT_FIELDS,
    STOCK_FIELDS,
    VARIANT_FIELDS,
    CatalogRecord,
)
from commerce.import_cells import CatalogFileError, Problem, Record

MEMBER_PRICE = "member_price:"
_CATALOG_COLUMNS = set(PRODUCT_FIELDS) | set(VARIANT_FIELDS) - {"member_prices"}


def read_text(path: Path, kind: str) -> str:
    if path.suffix.lower() not in (".csv", ".json"):
        raise CatalogFileError([f"{path.name}: {kind} file ends in .csv or .json"])
    try:
        return path.read_bytes().decode("utf-8-sig")  # Excel writes a byte-order mark
    except FileNotFoundError:
        raise CatalogFileError([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise CatalogFileError([f"{path.name}: not UTF-8 text"]) from None
    except OSError as exc:
        raise CatalogFileError([f"{path}: cannot be read ({exc.strerror})"]) from None


def read_catalog(path: Path) -> tuple[list[CatalogRecord], list[Problem]]:
    text = read_text(path, "a catalog")
    if path.suffix.lower() == ".json":
        return catalog_from_json(text, path.name)
    return catalog_from_csv(text, path.name)


def read_inventory(path: Path) -> tuple[list[Record], list[Problem]]:
    text = read_text(path, "an inventory")
    if path.suffix.lower() == ".json":
        return inventory_from_json(text, path.name)
    problems: list[Problem] = []
    records = [Record(label, where, row, line) for label, where, line, row in _csv_rows(text, path.name, STOCK_FIELDS, problems)]
    return records, problems


# --- CSV -----------------------------------------------------------------------------------


def catalog_from_csv(text: str, source: str) -> tuple[list[CatalogRecord], list[Problem]]:
    problems: list[Problem] = []
    records = []
    for label, where, line, row in _csv_rows(text, source, _CATALOG_COLUMNS, problems, MEMBER_PRICE):
        product = {name: value for name, value in row.items() if name in PRODUCT_FIELDS}
        variant: dict[str, object] = {name: value for name, value in row.items() if name in VARIANT_FIELDS}
        prices = {name[len(MEMBER_PRICE):]: value for name, value in row.items() if name.startswith(MEMBER_PRICE)}
        if prices:
            variant["member_prices"] = prices
        records.append(CatalogRecord(Record(label, where, variant, line), label, where, product))
    return records, problems


def _csv_rows(text: str, source: str, columns: set[str] | tuple[str, ...], problems: list[Problem],
              prefix: str | None = None) -> Iterator[tuple[str, str, int, dict[str, str]]]:
    """(label, where, line, cells by column) of each data row; the header's problems noted."""
    rows = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    line = 1
    try:
        for cells in rows:
            first_line, line = line, rows.line_num + 1
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            label = f"{source} line {first_line}"
            if header is None:
                header = [_column(cell, prefix) for cell in cells]
                problems += [(first_line, f"{label}: unknown column '{name}' (expected {', '.join(sorted(columns))})")
                             for name in header if name and name not in columns and not (prefix and name.startswith(prefix))]
                continue
            if any(cell.strip() for cell in cells[len(header):]):  # empty trailing cells are a spreadsheet's habit
                problems.append((first_line, f"{label}: {len(cells)} values for {len(header)} columns"))
                continue
            yield label, f"line {first_line}", first_line, {name: cell for name, cell in zip(header, cells) if name}
    except csv.Error as exc:
        raise CatalogFileError([f"{source} line {rows.line_num}: not valid CSV ({exc})"]) from None
    if header is None:
        raise CatalogFileError([f"{source}: empty file"])


def _column(cell: str, prefix: str | None) -> str:
    name = cell.strip()
    if prefix and name.lower().startswith(prefix):
        return prefix + name[len(prefix):].strip()  # the tier keeps its case: "member_price:Gold"
    return name.lower()


# --- JSON ----------------------------------------------------------------------------------


def _load_json(text: str, source: str) -> Any:
    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise CatalogFileError([f"{source} line {exc.lineno}: not valid JSON ({exc.msg})"]) from None
    except (ValueError, RecursionError) as exc:  # an integer too long to read, nesting too deep
        raise CatalogFileError([f"{source}: not valid JSON ({type(exc).__name__}: {str(exc)[:80]})"]) from None


def _top_list(data: Any, key: str, source: str) -> list[Any]:
    if isinstance(data, Mapping) and set(data) == {key} and isinstance(data[key], list):
        return data[key]
    if isinstance(data, list):
        return data
    raise CatalogFileError([f"{source}: expected {{\"{key}\": [...]}} at the top level"])


def catalog_from_json(text: str, source: str) -> tuple[list[CatalogRecord], list[Problem]]:
    products = _top_list(_load_json(text, source), "products", source)
    problems: list[Problem] = []
    records = []
    position = itertools.count(1)
    for index, product in enumerate(products):
        where = f"products[{index}]"
        at = next(position)
        if not isinstance(product, Mapping):
            problems.append((at, f"{source}: {where}: must be an object of fields"))
            continue
        fields = {str(name): value for name, value in product.items() if name != "variants"}
        _unknown(source, where, fields, PRODUCT_FIELDS, at, problems)
        variants = product.get("variants")
        if not isinstance(variants, list) or not variants:
            problems.append((at, f"{source}: {where}: variants: a product needs a list of at least one variant"))
            continue
        for number, variant in enumerate(variants):
            variant_where = f"{where}.variants[{number}]"
            variant_at = next(position)
            if not isinstance(variant, Mapping):
                problems.append((variant_at, f"{source}: {variant_where}: must be an object of fields"))
                continue
            cells = {str(name): value for name, value in variant.items()}
            _unknown(source, variant_where, cells, VARIANT_FIELDS, variant_at, problems)
            records.append(CatalogRecord(Record(f"{source}: {variant_where}", variant_where, cells, variant_at),
                                         f"{source}: {where}", where, fields))
    return records, problems


def inventory_from_json(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    problems: list[Problem] = []
    records = []
    for index, item in enumerate(_top_list(_load_json(text, source), "stock", source), 1):
        where = f"stock[{index - 1}]"
        if not isinstance(item, Mapping):
            problems.append((index, f"{source}: {where}: must be an object of fields"))
            continue
        cells = {str(name): value for name, value in item.items()}
        _unknown(source, where, cells, STOCK_FIELDS, index, problems)
        records.append(Record(f"{source}: {where}", where, cells, index))
    return records, problems


def _unknown(source: str, where: str, fields: Mapping[str, object], known: tuple[str, ...], at: int,
             problems: list[Problem]) -> None:
    problems += [(at, f"{source}: {where}: unknown field '{name}' (expected {', '.join(known)})")
                 for name in fields if name not in known]
