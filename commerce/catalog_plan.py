"""Catalog and inventory files, checked: records of raw cells in, a plan or every problem out.

bot/cli/catalogfile.py reads CSV or JSON into records, one per SKU (a CSV line; a JSON
variant, carrying its product's fields). A product's fields may be repeated on each of its
rows or given on one of them; rows of one product that give a field must agree. The checks
here need no database; commerce.catalog_import checks the plan against what is stored.

    product   code (style number), name, category, currency (ISO 4217), description, tags,
              new, active, images (paths or http(s) URLs)
    variant   sku, size, colour, price, member prices by tier
    stock     store (code), sku, on_hand
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from commerce.catalog import MemberPrice, tier_key
from commerce.import_cells import Cells, Problem, Record, raise_problems, shown
from commerce.money import currency_code
from commerce.workspace_values import normalise_tag, normalise_tier

PRODUCT_FIELDS = ("code", "name", "category", "currency", "description", "tags", "new", "active", "images")
VARIANT_FIELDS = ("sku", "size", "colour", "price", "member_prices")
STOCK_FIELDS = ("store", "sku", "on_hand")
MAX_IMAGES = 10  # a Telegram album holds ten
MAX_ON_HAND = 1_000_000_000
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STORE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CODE_RULE = "may only hold letters, digits, '.', '-' and '_' (at most 64, starting with a letter or digit)"


@dataclass(frozen=True, slots=True)
class CatalogRecord:
    """One SKU of the file with its product's fields; JSON variants of one product share
    ``product_label`` (their product's problems are said once, there)."""

    record: Record  # the variant's fields, under the variant's label
    product_label: str
    product_where: str
    product: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class VariantSpec:
    label: str
    position: int
    sku: str
    price_minor: int
    size: str | None = None
    colour: str | None = None
    member_prices: tuple[MemberPrice, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductSpec:
    label: str
    position: int
    code: str
    name: str
    category: str
    currency: str
    description: str = ""
    tags: tuple[str, ...] = ()
    is_new: bool = False
    active: bool = True
    images: tuple[str, ...] = ()  # as written: a path relative to the file, or an http(s) URL
    variants: tuple[VariantSpec, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CatalogPlan:
    source: str
    products: tuple[ProductSpec, ...]

    @property
    def image_refs(self) -> list[str]:
        return list(dict.fromkeys(ref for product in self.products for ref in product.images))


@dataclass(frozen=True, slots=True)
class StockLine:
    label: str
    position: int
    store_code: str
    sku: str
    on_hand: int


@dataclass(frozen=True, slots=True)
class InventoryPlan:
    source: str
    lines: tuple[StockLine, ...]


# --- the catalog ---------------------------------------------------------------------------


def plan_catalog(source: str, records: Sequence[CatalogRecord], problems: Sequence[Problem] = ()) -> CatalogPlan:
    """The checked plan, or CatalogFileError with every problem of the file."""
    found: list[Problem] = list(problems)
    product_fields: dict[str, tuple[Record, dict[str, object]]] = {}  # by product label: read once
    read = []
    for item in records:
        if item.product_label not in product_fields:
            product_record = Record(item.product_label, item.product_where, item.product, item.record.position)
            product_fields[item.product_label] = (product_record, _product_fields(Cells(product_record, found)))
        read.append((item, *product_fields[item.product_label]))
    currency_of: dict[object, str] = {}  # a product's rows may give its currency once
    for _, _, given in read:
        if "code" in given and "currency" in given:
            currency_of.setdefault(given["code"], str(given["currency"]))
    groups: dict[str, list[tuple[Record, dict[str, object], VariantSpec | None]]] = {}
    sku_at: dict[str, str] = {}
    for item, product_record, given in read:
        variant = _variant(Cells(item.record, found), currency_of.get(given.get("code")))
        # A SKU given twice is a problem of the later row, whether or not the first is valid.
        sku = str(item.record.fields.get("sku") or "").strip()
        if sku in sku_at and _CODE.fullmatch(sku):
            found.append((item.record.position, f"{item.record.label}: sku: '{sku}' is already at {sku_at[sku]}"))
            variant = None
        elif _CODE.fullmatch(sku):
            sku_at[sku] = item.record.where
        code = given.get("code")
        if isinstance(code, str):
            groups.setdefault(code, []).append((product_record, given, variant))
    products = [_merged(code, rows, found) for code, rows in groups.items()]
    raise_problems(found)
    return CatalogPlan(source, tuple(product for product in products if product is not None))


def _product_fields(cells: Cells) -> dict[str, object]:
    """The product fields the record gives, each valid (a wrong one is reported and left out)."""
    code = cells.matching("code", _CODE, _CODE_RULE, required=True)
    values: dict[str, object | None] = {
        "code": code,
        "name": cells.text("name", limit=200),
        "category": cells.text("category", limit=64),
        "description": cells.text("description", limit=4000, lines=True),
        "tags": _tags(cells),
        "images": _images(cells),
    }
    if cells.has("currency"):
        raw = cells.text("currency", limit=16)
        values["currency"] = currency_code(raw) if raw is not None else None
        if raw is not None and values["currency"] is None:
            cells.problem("currency", f"'{raw}' is not an ISO 4217 currency code like CNY")
    if cells.has("new"):
        values["is_new"] = cells.boolean("new", False)
    if cells.has("active"):
        values["active"] = cells.boolean("active", True)
    return {name: value for name, value in values.items() if value is not None}


def _tags(cells: Cells) -> tuple[str, ...] | None:
    value = cells.raw("tags")
    if value is None:
        return None
    written = [str(tag) for tag in value] if isinstance(value, list) else re.split(r"[,;]", str(value))
    tags = []
    for raw in filter(None, (tag.strip() for tag in written)):
        if cells.checked_text("tags", raw, limit=64) is None:
            return None
        tag = normalise_tag(raw)
        if tag is None:
            cells.problem("tags", f"'{shown(raw)}' is not a tag (letters, digits, '-' and '_')")
            return None
        tags.append(tag)
    return tuple(dict.fromkeys(tags))


def _images(cells: Cells) -> tuple[str, ...] | None:
    value = cells.raw("images")
    if value is None:
        return None
    written = [str(ref) for ref in value] if isinstance(value, list) else str(value).split("|")
    refs = tuple(ref.strip() for ref in written if ref.strip())
    if len(refs) > MAX_IMAGES:
        cells.problem("images", f"{len(refs)} pictures, at most {MAX_IMAGES}")
        return None
    if any(cells.checked_text("images", ref, limit=2000) is None for ref in refs):
        return None
    return refs


def _variant(cells: Cells, currency: str | None) -> VariantSpec | None:
    sku = cells.matching("sku", _CODE, _CODE_RULE, required=True)
    size = cells.text("size", limit=32)
    colour = cells.text("colour", limit=64)
    price = cells.raw("price", required=True)
    price_minor = cells.money("price", currency, price) if price is not None and currency else None
    prices = _member_prices(cells, currency, price_minor)
    if not cells.ok or sku is None or price_minor is None:
        return None
    return VariantSpec(cells.record.label, cells.record.position, sku, price_minor, size, colour, prices)


def _member_prices(cells: Cells, currency: str | None, list_price: int | None) -> tuple[MemberPrice, ...]:
    value = cells.raw("member_prices")
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        cells.problem("member_prices", "must map tiers to prices, like {\"Gold\": \"1180.00\"}")
        return ()
    prices: dict[str, MemberPrice] = {}
    seen: dict[str, str] = {}
    for raw_tier, amount in value.items():
        tier = normalise_tier(str(raw_tier))
        label = f"member price {shown(raw_tier)}"
        if tier is None:
            cells.problem(label, "is not a tier name (letters, digits, spaces, '-' and '_', at most 24)")
            continue
        if tier_key(tier) in seen:
            cells.problem(label, f"is given twice (as {seen[tier_key(tier)]} too)")
            continue
        seen[tier_key(tier)] = tier
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            continue  # a blank cell in the tier's column: that tier pays the list price
        minor = cells.money(label, currency, amount) if currency else None
        if minor is None:
            continue
        if list_price is not None and minor > list_price:
            cells.problem(label, f"'{shown(amount)}' is above the list price")
            continue
        prices[tier_key(tier)] = MemberPrice(tier, minor)
    return tuple(price for _, price in sorted(prices.items()))


_SPEC_NAMES = {"code": "code", "name": "name", "category": "category", "currency": "currency",
               "description": "description", "tags": "tags", "is_new": "new", "active": "active", "images": "images"}


def _merged(code: str, rows: list[tuple[Record, dict[str, object], VariantSpec | None]],
            problems: list[Problem]) -> ProductSpec | None:
    """One product from its rows: a field given on several rows must be the same on each."""
    first_record = rows[0][0]
    values: dict[str, tuple[object, str]] = {}
    ok = True
    for record, given, _ in rows:
        for name, value in given.items():
            if name in values and values[name][0] != value:
                what = f"{_SPEC_NAMES[name]}: differs from {values[name][1]} for product '{code}'"
                problems.append((record.position, f"{record.label}: {what}"))
                ok = False
            values.setdefault(name, (value, record.where))
    for name in ("name", "category", "currency"):
        # A field given on some row but wrong there was reported with that row.
        if name not in values and not any(_explicit(record, name) for record, _, _ in rows):
            problems.append((first_record.position, f"{first_record.label}: {name}: is missing"))
            ok = False
    variants = tuple(variant for _, _, variant in rows if variant is not None)
    if not ok or len(variants) != len(rows) or "name" not in values or "category" not in values or "currency" not in values:
        return None
    spec = {name: value for name, (value, _) in values.items()}
    return ProductSpec(label=first_record.label, position=first_record.position, variants=variants, **spec)  # type: ignore[arg-type]


def _explicit(record: Record, name: str) -> bool:
    value = record.fields.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


# --- the inventory -------------------------------------------------------------------------


def plan_inventory(source: str, records: Sequence[Record], problems: Sequence[Problem] = ()) -> InventoryPlan:
    found: list[Problem] = list(problems)
    lines: list[StockLine] = []
    first_at: dict[tuple[str, str], str] = {}
    for record in records:
        cells = Cells(record, found)
        store = cells.matching("store", _STORE, "is not a store code (letters, digits, '-' and '_', at most 32)", required=True)
        sku = cells.matching("sku", _CODE, _CODE_RULE, required=True)
        on_hand = cells.whole("on_hand", 0, MAX_ON_HAND, required=True)
        if store is None or sku is None:
            continue
        if (store, sku) in first_at:
            cells.problem(None, f"store '{store}' and sku '{sku}' are already at {first_at[(store, sku)]}")
            continue
        first_at[(store, sku)] = record.where
        if cells.ok and on_hand is not None:
            lines.append(StockLine(record.label, record.position, store, sku, on_hand))
    raise_problems(found)
    return InventoryPlan(source, tuple(lines))
