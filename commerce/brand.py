"""The deployment's brand: one per deployment, created from settings on first start."""

from __future__ import annotations

from commerce.people import Brand
from commerce.ports.uow import UnitOfWork


async def ensure_brand(uow: UnitOfWork, name: str, default_locale: str, timezone: str) -> Brand:
    """The existing brand, or a new one from the settings. An existing brand keeps its own
    name: renaming is an HQ action, not a side effect of an environment variable."""
    return (await find_or_create_brand(uow, name, default_locale, timezone))[0]


async def find_or_create_brand(uow: UnitOfWork, name: str, default_locale: str, timezone: str) -> tuple[Brand, bool]:
    """As ensure_brand, and whether the brand was created just now (a brand file's first
    load then reports it created, not updated)."""
    brand = await uow.brands.first()
    if brand is not None:
        return brand, False
    return await uow.brands.add(Brand(name=name, default_locale=default_locale, timezone=timezone)), True
