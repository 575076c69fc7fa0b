"""Points for what an order cost, tiers from a year's spend, and who may see an order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.access import sees_order
from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_values import Order, PointsEntry, PointsReason
from commerce.orders import Fulfilment, OrderStatus, Payment
from commerce.people import Associate, AssociateStatus, HQOperator, Member
from commerce.points import PointsPolicy, TierThresholds, earned, reversal

T = datetime(2025, 3, 1, tzinfo=UTC)


def an_order(total_minor: int = 128_000, currency: str = "CNY", **fields: object) -> Order:
    values: dict = {"brand_id": 1, "member_id": 10, "associate_id": 20, "store_id": 30,
                    "status": OrderStatus.CONFIRMED, "fulfilment": Fulfilment.DELIVERY, "payment": Payment.INVOICE,
                    "currency": currency, "subtotal_minor": total_minor, "discount_minor": 0,
                    "total_minor": total_minor, "created_at": T, "updated_at": T, "id": 5}
    return Order(**(values | fields))


@pytest.mark.parametrize(("total", "currency", "points"), [
    (128_000, "CNY", 1280), (128_099, "CNY", 1280), (99, "CNY", 0), (1500, "JPY", 1500), (2_500, "KWD", 2),
])
def test_a_point_per_whole_currency_unit(total: int, currency: str, points: int):
    entries = earned(an_order(total, currency), PointsPolicy(), T)
    assert [entry.delta for entry in entries] == ([points] if points else [])


def test_a_reversal_takes_back_what_was_earned_once():
    earn = PointsEntry(10, 1280, PointsReason.EARNED, T, 5)
    assert reversal([earn], T) == (PointsEntry(10, -1280, PointsReason.REVERSED, T, 5),)
    assert reversal([earn, *reversal([earn], T)], T) == ()
    assert reversal([], T) == ()


@given(st.integers(min_value=0, max_value=10**9))
def test_the_tier_is_the_highest_threshold_reached(spend: int):
    tiers = TierThresholds()
    tier = tiers.tier_for(spend)
    reached = [name for name, least in tiers.steps if spend >= least]
    assert tier == (reached[-1] if reached else None)


def test_a_tier_given_by_hand_outside_the_ladder_is_kept():
    tiers = TierThresholds()
    assert tiers.next_tier("VIP", 0) == "VIP"
    assert tiers.next_tier("Gold", 0) is None
    assert tiers.next_tier(None, 2_000_000) == "Gold"
    with pytest.raises(ValueError):
        TierThresholds((("Gold", 10), ("Silver", 5)))


def staff(associate_id: int, store_id: int = 30, manager: bool = False,
          status: AssociateStatus = AssociateStatus.ACTIVE) -> Identity:
    associate = Associate(store_id=store_id, display_name="A", short_code="A1", is_manager=manager, status=status,
                          id=associate_id)
    return Identity(Role.ASSOCIATE, 1, associate=associate)


def test_who_sees_an_order():
    order = an_order()
    member = Member(brand_id=1, telegram_user_id=2, first_name="Ana", enrolled_at=T, id=10)
    other = Member(brand_id=1, telegram_user_id=3, first_name="Bea", enrolled_at=T, id=11)
    assert sees_order(Identity(Role.MEMBER, 2, member=member), order)
    assert not sees_order(Identity(Role.MEMBER, 3, member=other), order)
    assert sees_order(staff(20), order)
    assert not sees_order(staff(21), order)
    assert sees_order(staff(21, manager=True), order)
    assert not sees_order(staff(21, store_id=31, manager=True), order)
    assert not sees_order(staff(20, status=AssociateStatus.DEACTIVATED), order)
    assert sees_order(Identity(Role.HQ, 9, hq=HQOperator(brand_id=1, name="H", id=1)), order)
    assert not sees_order(Identity(Role.HQ, 9, hq=HQOperator(brand_id=2, name="H", id=1)), order)
    assert not sees_order(Identity(Role.GUEST, 4), order)
