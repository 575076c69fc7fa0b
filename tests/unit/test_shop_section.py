"""The brand file's `shop:` section is checked like every entry: a plan, or every problem
with its label; YAML and CSV read alike; the same-day radius measured on the globe."""

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli.brandfile import (
    document_from_csv,
    document_from_mapping,
    document_from_yaml,
)
from commerce.brand_document import BrandFileError
from commerce.brand_plan import plan_brand
from commerce.brand_specs import ShopSpec
from commerce.geo import Place, distance_km
from commerce.order_values import Delivery
from commerce.people import Store
from commerce.shop_policy import within_same_day_radius

SHOP_YAML = """
shop:
  currency: cny
  tiers:
    Silver: 2,000
    Gold: 10,000
    Platinum: 30000
  points_per_unit: 1
  hold_minutes: 120
  same_day_radius_km: 7.5
"""

SHOP_CSV = """\
kind,currency,tiers,points_per_unit,hold_minutes,same_day_radius_km
shop,CNY,"Gold: 10,000; Silver: 2,000; Platinum: 30,000",1,120,7.5
"""


def problems_of(document):
    with pytest.raises(BrandFileError) as raised:
        plan_brand(document)
    return raised.value.problems


def test_a_shop_section_becomes_tiers_in_minor_units_lowest_first():
    plan = plan_brand(document_from_yaml(SHOP_YAML, "brand.yaml"))

    assert plan.shop == ShopSpec("CNY", (("Silver", 200_000), ("Gold", 1_000_000), ("Platinum", 3_000_000)), 1, 120, 7.5)


def test_a_csv_shop_row_reads_like_the_yaml_section():
    assert plan_brand(document_from_csv(SHOP_CSV, "brand.csv")).shop == plan_brand(
        document_from_yaml(SHOP_YAML, "brand.yaml")).shop


def test_omitted_shop_fields_take_their_defaults_and_no_section_means_none():
    assert plan_brand(document_from_mapping({"shop": {"currency": "EUR"}}, "b.yaml")).shop == ShopSpec(
        "EUR", None, 1, 120, 10.0)
    assert plan_brand(document_from_mapping({"brand": {"name": "M"}}, "b.yaml")).shop is None


def test_amounts_follow_the_currencys_decimals():
    plan = plan_brand(document_from_mapping({"shop": {"currency": "JPY", "tiers": "Gold: 100,000"}}, "b.yaml"))
    assert plan.shop is not None and plan.shop.tiers == (("Gold", 100_000),)
    assert problems_of(document_from_mapping({"shop": {"currency": "JPY", "tiers": {"Gold": "1.5"}}}, "b.yaml")) == [
        "b.yaml: shop: tiers: Gold: '1.5' has more decimals than JPY allows (no decimals)"]


def test_every_problem_of_the_shop_section_is_named():
    document = document_from_yaml(textwrap.dedent("""
        shop:
          currency: CNY
          tiers:
            Silver: 2,000
            silver: 3,000
            Gold: "10,00"
            Platinum: -5
            Black: 2000
            Diamond: [1]
            "A tier name that is far too long for the column": 50,000
          points_per_unit: 1.5
          hold_minutes: 0
          same_day_radius_km: far
          colour: red
    """), "brand.yaml")

    assert problems_of(document) == [
        "brand.yaml: shop: unknown field 'colour' (expected currency, tiers, points_per_unit, hold_minutes, same_day_radius_km)",
        "brand.yaml: shop: tiers: silver is given twice (as Silver before)",
        "brand.yaml: shop: tiers: Gold: '10,00' is not an amount like 1280 or 1,280.00",
        "brand.yaml: shop: tiers: Platinum: '-5' is negative",
        "brand.yaml: shop: tiers: Diamond needs an amount like 2,000",
        "brand.yaml: shop: tiers: a tier name has 1 to 32 characters ('A tier name that is far too long for the column')",
        "brand.yaml: shop: tiers: Silver and Black start at the same spend: each tier needs more than the one below",
        "brand.yaml: shop: points_per_unit '1.5' is not a whole number from 0 to 1000",
        "brand.yaml: shop: hold_minutes '0' is not a whole number from 1 to 10080",
        "brand.yaml: shop: same_day_radius_km 'far' is not a number",
    ]


def test_a_shop_without_a_known_currency_or_readable_tiers():
    assert problems_of(document_from_mapping({"shop": {"currency": "XXY", "tiers": {"Gold": 1}}}, "b.yaml")) == [
        "b.yaml: shop: currency 'XXY' is not an ISO 4217 code like CNY or EUR"]
    assert problems_of(document_from_mapping({"shop": {"tiers": ["Gold", 1]}}, "b.yaml")) == [
        "b.yaml: shop: currency is missing",
        ("b.yaml: shop: tiers must name each tier with the least 12-month spend that reaches it, "
         "as 'Silver: 2,000; Gold: 10,000' or a mapping")]
    assert problems_of(document_from_mapping({"shop": {"currency": "CNY", "tiers": "Gold 100"}}, "b.yaml"))[0].startswith(
        "b.yaml: shop: tiers must name each tier")
    assert problems_of(document_from_mapping({"shop": {"currency": "CNY", "tiers": {}}}, "b.yaml")) == [
        "b.yaml: shop: tiers is empty (leave it out to keep the default tiers)"]


def test_a_second_shop_row_in_a_csv_file_is_a_problem():
    text = SHOP_CSV + "shop,EUR,,,,\n"
    assert problems_of(document_from_csv(text, "brand.csv")) == [
        "brand.csv line 3: a second shop row (the first is line 2)"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=40), st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none(),
                                                       st.booleans()), max_size=6))
def test_any_tiers_give_a_rising_ladder_or_problems_never_a_crash(tiers):
    try:
        plan = plan_brand(document_from_mapping({"shop": {"currency": "CNY", "tiers": tiers}}, "b.yaml"))
    except BrandFileError as error:
        assert error.problems and all(problem.startswith("b.yaml: shop: ") for problem in error.problems)
        return
    assert plan.shop is not None and plan.shop.tiers is not None
    spends = [least for _, least in plan.shop.tiers]
    assert spends == sorted(set(spends)) and len(spends) == len(tiers)


def test_same_day_delivery_is_judged_by_distance_from_the_store_when_both_are_known():
    store = Store(brand_id=1, code="SH", name="Xintiandi", latitude=31.2196, longitude=121.4747)
    bund = Delivery(latitude=31.2400, longitude=121.4900)  # about 2.7 km
    pudong_airport = Delivery(latitude=31.1443, longitude=121.8083)  # about 33 km

    assert 2.4 < distance_km(Place(31.2196, 121.4747), Place(31.2400, 121.4900)) < 2.8
    assert within_same_day_radius(store, bund, 10) and not within_same_day_radius(store, pudong_airport, 10)
    assert within_same_day_radius(store, pudong_airport, 40)
    assert within_same_day_radius(store, Delivery(address="1 Century Avenue"), 1), "an address alone: the associate judges"
    assert within_same_day_radius(Store(brand_id=1, code="X", name="X"), pudong_airport, 1), "a store with no location"
