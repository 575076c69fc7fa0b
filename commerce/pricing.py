"""What a member pays for a SKU, read through the catalog: one price rule for the product
card, the checkout and the order (commerce.catalog.price_for)."""

from __future__ import annotations

from commerce.catalog import price_for
from commerce.order_values import PricedVariant
from commerce.ports.uow import UnitOfWork


async def priced_variant(uow: UnitOfWork, brand_id: int, variant_id: int, tier: str | None) -> PricedVariant | None:
    """An offered SKU of the brand (active, of an active product) priced for `tier`, or None."""
    variant = await uow.catalog.variant(variant_id)
    if variant is None or variant.brand_id != brand_id or not variant.active or variant.id is None:
        return None
    item = await uow.catalog.item(variant.product_id)
    if item is None or not item.product.active:
        return None
    price = price_for(item.product, variant, tier)
    member = None if price.minor == variant.price_minor else price.minor
    return PricedVariant(variant.id, variant.sku, item.product.name, item.product.currency, variant.price_minor, member)
