"""Catalog and inventory files are checked as a whole: a plan, or every problem with its line and field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli.catalogfile import catalog_from_csv, catalog_from_json, inventory_from_json
from commerce.catalog import MemberPrice
from commerce.catalog_plan import plan_catalog, plan_inventory
from commerce.import_cells import CatalogFileError

CSV = """\
code,name,category,currency,price,sku,size,colour,member_price:Gold,tags,new,images
SC-100,Cashmere scarf,Scarves,CNY,"1,280.00",SC-100-NV,One size,Navy,1180,"winter, gift",yes,img/sc.png|https://example.test/sc2.png
SC-100,,,,1280,SC-100-RD,One size,Red,,,,
TS-200,Linen shirt,Shirts,CNY,680,TS-200-M,M,White,,,,
"""


def plan_csv(text: str):
    return plan_catalog("catalog.csv", *catalog_from_csv(text, "catalog.csv"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogFileError) as caught:
        plan_csv(text)
    return caught.value.problems


def test_rows_of_one_product_make_one_product_with_its_variants():
    plan = plan_csv(CSV)

    scarf, shirt = plan.products
    assert (scarf.code, scarf.name, scarf.currency, scarf.tags, scarf.is_new) == ("SC-100", "Cashmere scarf", "CNY", ("winter", "gift"), True)
    assert scarf.images == ("img/sc.png", "https://example.test/sc2.png")
    assert [(v.sku, v.colour, v.price_minor, v.member_prices) for v in scarf.variants] == [
        ("SC-100-NV", "Navy", 128000, (MemberPrice("Gold", 118000),)),
        ("SC-100-RD", "Red", 128000, ()),
    ], "a blank tier cell: that tier pays the list price"
    assert shirt.is_new is False and shirt.active is True


def test_json_products_nest_their_variants():
    text = json.dumps({"products": [{"code": "SC-100", "name": "Scarf", "category": "Scarves", "currency": "CNY",
                                     "variants": [{"sku": "SC-100-NV", "price": 1280.5, "member_prices": {"Gold": "1180"}},
                                                  {"sku": "SC-100-RD", "price": "1,280.50"}]}]})
    plan = plan_catalog("c.json", *catalog_from_json(text, "c.json"))

    assert [(v.sku, v.price_minor) for v in plan.products[0].variants] == [("SC-100-NV", 128050), ("SC-100-RD", 128050)]


def test_every_bad_row_is_reported_with_its_line_and_field():
    bad = CSV.replace('"1,280.00"', "12.345").replace("680", "-5").replace("TS-200-M", "TS 200")
    bad += "BG-1,Tote,Bags,yuan,100,BG-1-A,,,,,maybe,\n"
    bad += "SC-100,Other name,,,1280,SC-100-NV,,,,,,\n"

    assert problems_of(bad) == [
        "catalog.csv line 2: price: '12.345' has more decimals than CNY allows (at most 2 decimals)",
        "catalog.csv line 4: sku: 'TS 200' may only hold letters, digits, '.', '-' and '_' (at most 64, starting with a letter or digit)",
        "catalog.csv line 4: price: '-5' is negative",
        "catalog.csv line 5: currency: 'yuan' is not an ISO 4217 currency code like CNY",
        "catalog.csv line 5: new: 'maybe' is not true or false",
        "catalog.csv line 6: sku: 'SC-100-NV' is already at line 2",
        "catalog.csv line 6: name: differs from line 2 for product 'SC-100'",
    ]


def test_a_member_price_above_the_list_price_a_tier_twice_and_a_missing_field_are_problems():
    text = "code,name,currency,price,sku,member_price:Gold,member_price:GOLD\nA1,Hat,CNY,100,A1-1,120,90\n"
    assert problems_of(text) == [
        "catalog.csv line 2: member price Gold: '120' is above the list price",
        "catalog.csv line 2: member price GOLD: is given twice (as Gold too)",
        "catalog.csv line 2: category: is missing",
    ]


def test_unknown_columns_and_ragged_rows_are_problems_too():
    text = "code,name,category,currency,price,sku,colour_code\nA1,Hat,Hats,CNY,100,A1-1,x,extra\n"
    assert problems_of(text) == [
        ("catalog.csv line 1: unknown column 'colour_code' (expected active, category, code, colour, currency, "
         "description, images, name, new, price, size, sku, tags)"),
        "catalog.csv line 2: 8 values for 7 columns",
    ]


ODD = st.one_of(st.text(), st.text(alphabet=st.characters(codec=None)), st.just("\x00"), st.just("\ud800"),
                st.integers(min_value=-(10**30), max_value=10**30).map(str), st.decimals(allow_nan=False).map(str))


@settings(max_examples=300, deadline=None)
@given(name=ODD, price=ODD, sku=ODD, size=ODD, tier_price=ODD)
def test_any_cell_gives_a_plan_or_problems_with_the_record_label_never_a_crash(name, price, sku, size, tier_price):
    text = json.dumps({"products": [{"code": "A1", "name": name, "category": "Hats", "currency": "CNY",
                                     "variants": [{"sku": sku, "size": size, "price": price,
                                                   "member_prices": {"Gold": tier_price}}]}]})
    try:
        plan = plan_catalog("c.json", *catalog_from_json(text, "c.json"))
    except CatalogFileError as error:
        assert error.problems
        assert all(problem.startswith("c.json: products[0]") for problem in error.problems), error.problems
        assert all("\x00" not in problem for problem in error.problems)
    else:
        variant = plan.products[0].variants[0]
        assert 0 <= variant.price_minor and "\x00" not in plan.products[0].name + (variant.size or "")
        assert all(price.price_minor <= variant.price_minor for price in variant.member_prices)


def test_inventory_lines_are_checked_for_store_sku_and_a_sane_count():
    text = json.dumps({"stock": [{"store": "SH-XTD", "sku": "A1-1", "on_hand": 5},
                                 {"store": "SH-XTD", "sku": "A1-1", "on_hand": 6},
                                 {"store": "SH XTD", "sku": "A1-2", "on_hand": -1},
                                 {"store": "BJ-SLT", "sku": "A1-2", "on_hand": 10**30},
                                 {"store": "BJ-SLT", "sku": "A1-3", "on_hand": 2.5, "shelf": 3}]})
    with pytest.raises(CatalogFileError) as caught:
        plan_inventory("s.json", *inventory_from_json(text, "s.json"))
    assert caught.value.problems == [
        "s.json: stock[1]: store 'SH-XTD' and sku 'A1-1' are already at stock[0]",
        "s.json: stock[2]: store: 'SH XTD' is not a store code (letters, digits, '-' and '_', at most 32)",
        "s.json: stock[2]: on_hand: '-1' is not a whole number from 0 to 1,000,000,000",
        f"s.json: stock[3]: on_hand: '{10**30}' is not a whole number from 0 to 1,000,000,000",
        "s.json: stock[4]: unknown field 'shelf' (expected store, sku, on_hand)",
        "s.json: stock[4]: on_hand: '2.5' is not a whole number from 0 to 1,000,000,000",
    ]
