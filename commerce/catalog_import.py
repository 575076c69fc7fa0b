"""Applying a checked catalog or inventory plan in the caller's transaction (the caller
commits, or rolls back for a dry run), and saying what changed.

Products are matched by code and variants by SKU, so importing the same file again changes
nothing. The file is the truth for the products it lists: a variant of such a product that
the file no longer lists is deactivated (orders keep pointing at it), never deleted.
Products the file does not list are left alone, so a file may hold one category only.

Everything is checked against storage before the first write; a problem found while
writing (a hold placed meanwhile) raises too, and the caller's rollback undoes the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from commerce.catalog import CatalogItem, Product, Variant
from commerce.catalog_plan import CatalogPlan, InventoryPlan, ProductSpec, VariantSpec
from commerce.import_cells import Problem, raise_problems
from commerce.outbox import Blob
from commerce.ports.uow import UnitOfWork

Progress = Callable[[int], None]  # told how many more records are done


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # "product" or "variant"
    key: str  # the product's code, the variant's SKU
    outcome: str  # "created", "updated" or "unchanged"
    fields: tuple[str, ...] = ()  # what an update changed, in the file's words


@dataclass(slots=True)
class CatalogReport:
    changes: list[Change] = field(default_factory=list)
    images: int = 0  # distinct pictures the file names (kept once each, by content)

    def tally(self, kind: str) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for change in self.changes:
            if change.kind == kind:
                counts[change.outcome] += 1
        return counts


@dataclass(frozen=True, slots=True)
class StockChange:
    store: str
    sku: str
    before: int | None  # None: the store had no stock row for the SKU
    after: int


@dataclass(slots=True)
class InventoryReport:
    changes: list[StockChange] = field(default_factory=list)
    unchanged: int = 0


async def import_catalog(uow: UnitOfWork, brand_id: int, plan: CatalogPlan, images: Mapping[str, Blob], now: datetime,
                         progress: Progress | None = None) -> CatalogReport:
    """``images`` holds the bytes of every picture the plan names, by its reference."""
    existing = await uow.catalog.items_by_codes(brand_id, [spec.code for spec in plan.products])
    await _check_skus(uow, brand_id, plan, existing)
    report = CatalogReport()
    blob_ids: dict[str, int] = {}
    for ref in plan.image_refs:
        stored = await uow.blobs.put(images[ref])
        assert stored.id is not None
        blob_ids[ref] = stored.id
    report.images = len(blob_ids)
    for spec in plan.products:
        await _apply_product(uow, brand_id, spec, existing.get(spec.code), tuple(blob_ids[ref] for ref in spec.images),
                             now, report)
        if progress:
            progress(len(spec.variants))
    return report


async def _check_skus(uow: UnitOfWork, brand_id: int, plan: CatalogPlan, existing: Mapping[str, CatalogItem]) -> None:
    """A SKU names one thing for good: it may not move to another product by an import."""
    variants = await uow.catalog.variants_by_skus(brand_id, [v.sku for spec in plan.products for v in spec.variants])
    problems: list[Problem] = []
    for spec in plan.products:
        own = existing.get(spec.code)
        for variant in spec.variants:
            stored = variants.get(variant.sku)
            if stored is not None and (own is None or stored.product_id != own.product.id):
                other = await uow.catalog.item(stored.product_id)
                other_code = other.product.code if other else "?"
                problems.append((variant.position, f"{variant.label}: sku: '{variant.sku}' belongs to product '{other_code}'"))
    raise_problems(problems)


async def _apply_product(uow: UnitOfWork, brand_id: int, spec: ProductSpec, before: CatalogItem | None,
                         blob_ids: tuple[int, ...], now: datetime, report: CatalogReport) -> None:
    product = Product(brand_id=brand_id, code=spec.code, name=spec.name, category=spec.category, currency=spec.currency,
                      description=spec.description, tags=spec.tags, is_new=spec.is_new, active=spec.active,
                      created_at=now, updated_at=now)
    if before is None:
        saved = await uow.catalog.upsert_product(product)
        report.changes.append(Change("product", spec.code, "created"))
    else:
        changed = _product_changes(before, product, blob_ids)
        saved = before.product
        if set(changed) - {"images"}:
            saved = await uow.catalog.upsert_product(replace(product, created_at=before.product.created_at))
        report.changes.append(Change("product", spec.code, "updated" if changed else "unchanged", changed))
    assert saved.id is not None
    if before is None or before.image_blob_ids != blob_ids:
        await uow.catalog.set_images(saved.id, blob_ids)
    old = {variant.sku: variant for variant in (before.variants if before else ())}
    for variant_spec in spec.variants:
        await _apply_variant(uow, brand_id, saved.id, variant_spec, old.pop(variant_spec.sku, None), report)
    for dropped in old.values():  # no longer in the file: kept for its orders, no longer offered
        if dropped.active:
            await uow.catalog.upsert_variant(replace(dropped, active=False))
            report.changes.append(Change("variant", dropped.sku, "updated", ("active",)))


def _product_changes(before: CatalogItem, after: Product, blob_ids: tuple[int, ...]) -> tuple[str, ...]:
    old = before.product
    pairs = [("name", old.name, after.name), ("category", old.category, after.category),
             ("currency", old.currency, after.currency), ("description", old.description, after.description),
             ("tags", old.tags, after.tags), ("new", old.is_new, after.is_new), ("active", old.active, after.active),
             ("images", before.image_blob_ids, blob_ids)]
    return tuple(name for name, was, now in pairs if was != now)


async def _apply_variant(uow: UnitOfWork, brand_id: int, product_id: int, spec: VariantSpec, before: Variant | None,
                         report: CatalogReport) -> None:
    variant = Variant(brand_id=brand_id, product_id=product_id, sku=spec.sku, price_minor=spec.price_minor,
                      size=spec.size, colour=spec.colour, member_prices=spec.member_prices)
    if before is None:
        saved = await uow.catalog.upsert_variant(variant)
        assert saved.id is not None
        if spec.member_prices:
            await uow.catalog.set_member_prices(saved.id, spec.member_prices)
        report.changes.append(Change("variant", spec.sku, "created"))
        return
    assert before.id is not None
    pairs = [("size", before.size, variant.size), ("colour", before.colour, variant.colour),
             ("price", before.price_minor, variant.price_minor), ("active", before.active, True)]
    changed = [name for name, was, now in pairs if was != now]
    if changed:
        await uow.catalog.upsert_variant(variant)
    if before.member_prices != spec.member_prices:
        await uow.catalog.set_member_prices(before.id, spec.member_prices)
        changed.append("member_prices")
    report.changes.append(Change("variant", spec.sku, "updated" if changed else "unchanged", tuple(changed)))


async def import_inventory(uow: UnitOfWork, brand_id: int, plan: InventoryPlan, now: datetime,
                           progress: Progress | None = None) -> InventoryReport:
    """Set each line's stock; a line may not set a store's stock below what its open
    orders hold (that line is reported, and nothing is written)."""
    stores = {store.code: store.id for store in await uow.stores.list(brand_id)}
    variants = await uow.catalog.variants_by_skus(brand_id, [line.sku for line in plan.lines])
    problems: list[Problem] = []
    for line in plan.lines:
        if line.store_code not in stores:
            problems.append((line.position, f"{line.label}: store: '{line.store_code}' is not a store of the brand"))
        if line.sku not in variants:
            problems.append((line.position, f"{line.label}: sku: '{line.sku}' is not in the catalog"))
    raise_problems(problems)
    keyed = [(line, (stores[line.store_code], variants[line.sku].id)) for line in plan.lines]
    levels = await uow.stock.levels([pair for _, pair in keyed])  # type: ignore[misc]
    for line, pair in keyed:
        level = levels.get(pair)  # type: ignore[arg-type]
        if level is not None and level.held > line.on_hand:
            problems.append((line.position, _below_held(line.label, line.on_hand, level.held)))
    raise_problems(problems)
    report = InventoryReport()
    for done, (line, (store_id, variant_id)) in enumerate(keyed, 1):
        level = levels.get((store_id, variant_id))  # type: ignore[arg-type]
        if level is not None and level.on_hand == line.on_hand:
            report.unchanged += 1
        else:
            assert store_id is not None and variant_id is not None
            if await uow.stock.set_on_hand(store_id, variant_id, line.on_hand, now) is None:
                held = (await uow.stock.levels([(store_id, variant_id)]))[(store_id, variant_id)].held
                problems.append((line.position, _below_held(line.label, line.on_hand, held)))
            report.changes.append(StockChange(line.store_code, line.sku, level.on_hand if level else None, line.on_hand))
        if progress and (done % 100 == 0 or done == len(keyed)):
            progress(100 if done % 100 == 0 else done % 100)
    raise_problems(problems)  # holds placed while we wrote: the caller rolls back
    return report


def _below_held(label: str, on_hand: int, held: int) -> str:
    return f"{label}: on_hand: {on_hand} is below the {held} held by open orders at that store"

