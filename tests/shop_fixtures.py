"""Orders as the shop-policy and sales tests need them: a pickup order taken from placing
to picked up in one go, at a given time, by the member's associate."""

from __future__ import annotations

import secrets
from datetime import datetime

from commerce.order_moves import Moved
from commerce.ordering import confirm_stock, hand_over, pack_order, place_order, ready_for_pickup
from commerce.people import Associate, Member
from storage.uow import Database
from tests.fixtures_db import Shop
from tests.orders_fixtures import a_sku, as_associate, as_member, pickup_request


async def a_picked_up_order(database: Database, shop: Shop, member: Member, price_minor: int, at: datetime, *,
                            quantity: int = 1, associate: Associate | None = None) -> Moved:
    """A pickup order of one new SKU at `price_minor`, placed, confirmed, packed, ready and picked
    up at `at`; the last step as it was taken (its points and the member's new tier)."""
    variant = await a_sku(database, shop, sku=f"SKU-{secrets.token_hex(4)}", price_minor=price_minor, on_hand=quantity)
    staff = as_associate(associate or shop.associate, shop)
    async with database.uow() as uow:
        placed = await place_order(uow, as_member(member), pickup_request(variant, quantity), at)
        assert isinstance(placed, Moved), placed
        order_id = placed.order.id
        assert order_id is not None
        for take in (confirm_stock, pack_order, ready_for_pickup):
            assert isinstance(await take(uow, staff, order_id, at), Moved)
        last = await hand_over(uow, staff, order_id, at)
        assert isinstance(last, Moved), last
        await uow.commit()
    return last
