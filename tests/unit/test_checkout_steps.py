"""The checkout's step machine and the same-day delivery radius, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commerce.checkout_steps import (
    Hitch,
    Step,
    back,
    check_address,
    check_location,
    flow,
    forward,
    new_checkout,
    read_contact,
)
from commerce.geo import Place, distance_km, within
from commerce.orders import Fulfilment

NOW = datetime(2026, 12, 1, tzinfo=UTC)
XTD = Place(31.2196, 121.4747)  # the Xintiandi store
latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


def test_a_product_with_one_sku_starts_at_the_quantity():
    checkout = new_checkout(1, 2, False, (7,), NOW)
    assert (checkout.step, checkout.variant_id) == (Step.QUANTITY, 7)
    assert back(checkout, False, NOW) is None


def test_pickup_skips_the_address_and_delivery_asks_for_it():
    checkout = new_checkout(1, 2, False, (7, 8), NOW)
    assert checkout.step is Step.VARIANT
    at_fulfilment = forward(forward(checkout, True, NOW, variant_id=7), True, NOW, quantity=2)
    assert at_fulfilment.step is Step.FULFILMENT
    pickup = forward(at_fulfilment, True, NOW, fulfilment=Fulfilment.PICKUP)
    assert flow(forward(pickup, True, NOW, contact_name="A", phone="1"), True)[-2:] == (Step.CONTACT, Step.REVIEW)
    express = forward(at_fulfilment, True, NOW, fulfilment=Fulfilment.EXPRESS)
    assert forward(express, True, NOW, contact_name="A", phone="1").step is Step.ADDRESS


def test_reserving_has_no_fulfilment_step_and_back_walks_the_flow():
    checkout = new_checkout(1, 2, True, (7, 8), NOW)
    steps = flow(checkout, True)
    assert steps == (Step.VARIANT, Step.QUANTITY, Step.CONTACT, Step.REVIEW)
    at_contact = forward(forward(checkout, True, NOW, variant_id=7), True, NOW, quantity=1)
    assert at_contact.step is Step.CONTACT
    assert back(at_contact, True, NOW).step is Step.QUANTITY  # type: ignore[union-attr]


def test_every_change_pushes_the_expiry():
    checkout = new_checkout(1, 2, False, (7,), NOW)
    later = forward(checkout, False, NOW + timedelta(minutes=30), quantity=1)
    assert later.expires_at > checkout.expires_at and not later.expired(NOW + timedelta(minutes=31))


def test_a_typed_contact_finds_the_phone_and_the_name():
    assert read_contact("Alice Chen +86 138 0000 0000", "X") == ("Alice Chen", "+86 138 0000 0000")
    assert read_contact("13800000000", "Alice") == ("Alice", "13800000000")
    assert read_contact("hello, is it soft?", "Alice") is Hitch.BAD_PHONE
    assert read_contact("   ", "Alice") is Hitch.EMPTY


@given(st.text())
def test_any_typed_contact_is_a_contact_or_a_hitch(typed):
    read = read_contact(typed, "Alice")
    assert isinstance(read, Hitch) or (len(read[1]) <= 32 and len(read[0]) <= 200 and 7 <= sum(c.isdigit() for c in read[1]))


def test_same_day_delivery_needs_a_location_within_the_radius():
    assert check_address("1 Main St", Fulfilment.DELIVERY) is Hitch.NEEDS_LOCATION
    assert check_address("1 Main St", Fulfilment.EXPRESS) == "1 Main St"
    assert check_location(Place(31.23, 121.48), Fulfilment.DELIVERY, XTD, 10) is None
    assert check_location(Place(39.93, 116.45), Fulfilment.DELIVERY, XTD, 10) is Hitch.OUT_OF_RADIUS  # Beijing
    assert check_location(Place(39.93, 116.45), Fulfilment.EXPRESS, XTD, 10) is None
    assert check_location(Place(31.23, 121.48), Fulfilment.DELIVERY, None, 10) is Hitch.OUT_OF_RADIUS


def test_shanghai_to_beijing_is_about_1070_km():
    assert 1050 < distance_km(XTD, Place(39.9334, 116.4551)) < 1090


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_bounded_and_zero_to_itself(lat1, lon1, lat2, lon2):
    a, b = Place(lat1, lon1), Place(lat2, lon2)
    assert abs(distance_km(a, b) - distance_km(b, a)) < 1e-6
    assert 0 <= distance_km(a, b) <= 20_016  # half the Earth's circumference
    assert distance_km(a, a) < 1e-6 and within(a, a, 1)


@given(latitudes, longitudes, st.floats(0.001, 50))
def test_a_place_a_little_north_is_within_a_radius_just_beyond_it(lat, lon, km):
    north = min(90.0, lat + km / 111.2)
    store, place = Place(lat, lon), Place(north, lon)
    assert within(store, place, distance_km(store, place) + 0.001)
    assert not within(store, place, 0) and not within(None, place, km)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_no_place_off_the_earth_is_within_reach(lat, lon):
    place = Place(lat, lon)
    if not place.valid:
        assert not within(XTD, place, 100_000)
