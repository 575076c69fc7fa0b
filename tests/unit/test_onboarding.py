"""A brand file is checked as a whole: every problem, each with its place, before anything is written."""

import textwrap

import pytest

from bot.cli.brandfile import document_from_csv, document_from_mapping, document_from_yaml
from commerce.brand_document import BrandFileError
from commerce.brand_plan import associate_spec, plan_brand
from commerce.brand_specs import AssociateSpec, BrandSpec, HQSpec, RewardSpec, StoreSpec

GOOD_YAML = """
brand:
  name: Maison Lumière
  colour: "#8C1D40"
  default_locale: en
  timezone: Asia/Shanghai
  leaderboard_time: "21:30"
stores:
  - code: SH-XTD
    name: Shanghai Xintiandi
    address: 123 Madang Road
    latitude: 31.2196
    longitude: 121.4747
    timezone: Asia/Shanghai
    hours: Mon-Sun 10:00-22:00
associates:
  - name: Bob Chen
    store: SH-XTD
    locale: en
    manager: true
    telegram: 5000000001
  - name: 李娜
    store: SH-XTD
    locale: zh-Hans
hq_operators:
  - name: Hannah
    telegram: 5000000009
reward:
  percent_off: 10
  valid_days: 30
  code_prefix: welcome
"""

GOOD_CSV = """\
kind,code,name,address,latitude,longitude,timezone,hours,store,locale,manager,telegram,colour,default_locale,leaderboard_time,percent_off,valid_days,code_prefix
brand,,Maison Lumière,,,,Asia/Shanghai,,,,,,#8C1D40,en,21:30,,,
store,SH-XTD,Shanghai Xintiandi,123 Madang Road,31.2196,121.4747,Asia/Shanghai,Mon-Sun 10:00-22:00,,,,,,,,,,
associate,,Bob Chen,,,,,,SH-XTD,en,yes,5000000001,,,,,,
associate,,李娜,,,,,,SH-XTD,zh-Hans,,,,,,,,
hq,,Hannah,,,,,,,,,5000000009,,,,,,
reward,,,,,,,,,,,,,,,10,30,welcome
"""


def problems_of(document, existing_store_codes=()):
    with pytest.raises(BrandFileError) as raised:
        plan_brand(document, existing_store_codes)
    return raised.value.problems


def yaml_problems(text: str, existing_store_codes=()):
    return problems_of(document_from_yaml(textwrap.dedent(text), "brand.yaml"), existing_store_codes)


def csv_problems(text: str):
    return problems_of(document_from_csv(textwrap.dedent(text), "stores.csv"))


# --- valid files ---------------------------------------------------------------------------


def test_a_valid_yaml_file_becomes_a_plan():
    plan = plan_brand(document_from_yaml(GOOD_YAML, "brand.yaml"))

    assert plan.brand == BrandSpec("Maison Lumière", "#8C1D40", "en", "Asia/Shanghai", None, "21:30")
    assert plan.stores == [StoreSpec("SH-XTD", "Shanghai Xintiandi", "123 Madang Road", 31.2196, 121.4747,
                                     "Asia/Shanghai", "Mon-Sun 10:00-22:00")]
    assert plan.associates == [
        AssociateSpec("brand.yaml: associates[0]", "SH-XTD", "Bob Chen", "en", True, 5000000001),
        AssociateSpec("brand.yaml: associates[1]", "SH-XTD", "李娜", "zh-Hans", False, None),
    ]
    assert plan.hq_operators == [HQSpec("brand.yaml: hq_operators[0]", "Hannah", 5000000009)]
    assert plan.reward == RewardSpec(10, 30, "WELCOME")


def test_a_csv_file_reads_like_the_same_yaml_file():
    from_csv = plan_brand(document_from_csv(GOOD_CSV, "brand.csv"))
    from_yaml = plan_brand(document_from_yaml(GOOD_YAML, "brand.yaml"))

    assert (from_csv.brand, from_csv.stores, from_csv.reward) == (from_yaml.brand, from_yaml.stores, from_yaml.reward)
    assert [(a.store_code, a.name, a.locale, a.is_manager, a.telegram_user_id) for a in from_csv.associates] == \
           [(a.store_code, a.name, a.locale, a.is_manager, a.telegram_user_id) for a in from_yaml.associates]
    assert from_csv.associates[0].label == "brand.csv line 4"


def test_planning_the_same_file_twice_gives_the_same_plan():
    document = document_from_yaml(GOOD_YAML, "brand.yaml")
    assert plan_brand(document) == plan_brand(document)


def test_optional_fields_take_their_defaults():
    plan = plan_brand(document_from_mapping(
        {"brand": {"name": "Maison"}, "stores": [{"code": "P1", "name": "Paris"}],
         "associates": [{"name": "Claire", "store": "P1"}], "reward": {"percent_off": 15}}, "brand.yaml"))

    assert plan.brand == BrandSpec("Maison", "#1F3A5F", "en", "UTC", None, "21:00")
    assert plan.stores == [StoreSpec("P1", "Paris", "", None, None, None, "")]  # time zone: the brand's
    assert plan.associates[0].locale is None and plan.associates[0].is_manager is False  # locale: the brand's
    assert plan.reward == RewardSpec(15, 30, "WELCOME")


def test_an_associate_may_name_a_store_that_exists_already():
    plan = plan_brand(document_from_mapping({"associates": [{"name": "Claire", "store": "PAR01"}]}, "more.yaml"),
                      existing_store_codes={"PAR01"})
    assert [a.store_code for a in plan.associates] == ["PAR01"]


# --- bad entries ----------------------------------------------------------------------------


def test_missing_fields_are_named():
    assert yaml_problems("""
        brand: {colour: "#000000"}
        stores: [{address: somewhere}]
        associates: [{locale: en}]
        hq_operators: [{telegram: 5}]
        reward: {valid_days: 3}
    """) == [
        "brand.yaml: brand: name is missing",
        "brand.yaml: stores[0]: code is missing",
        "brand.yaml: stores[0]: name is missing",
        "brand.yaml: associates[0]: name is missing",
        "brand.yaml: associates[0]: store is missing",
        "brand.yaml: hq_operators[0]: name is missing",
        "brand.yaml: reward: percent_off is missing",
    ]


def test_an_associate_of_an_undefined_store():
    assert yaml_problems("""
        stores: [{code: SH, name: Shanghai}]
        associates: [{name: Bob, store: SH}, {name: Ann, store: SH}, {name: Wei, store: XX}]
    """) == ["brand.yaml: associates[2]: store 'XX' is not defined"]


def test_bad_coordinates():
    assert yaml_problems("""
        stores:
          - {code: A, name: A, latitude: abc, longitude: 121}
          - {code: B, name: B, latitude: 95, longitude: 121}
          - {code: C, name: C, latitude: 31, longitude: -181.5}
          - {code: D, name: D, latitude: 31}
          - {code: E, name: E, latitude: true, longitude: .nan}
    """) == [
        "brand.yaml: stores[0]: latitude 'abc' is not a number",
        "brand.yaml: stores[1]: latitude 95 is out of range (-90 to 90)",
        "brand.yaml: stores[2]: longitude -181.5 is out of range (-180 to 180)",
        "brand.yaml: stores[3]: latitude and longitude go together: longitude is missing",
        "brand.yaml: stores[4]: latitude 'True' is not a number",
        "brand.yaml: stores[4]: longitude 'nan' is not a number",
    ]


def test_bad_time_zones():
    assert yaml_problems("""
        brand: {name: M, timezone: Mars/Olympus_Mons}
        stores: [{code: A, name: A, timezone: "GMT+8"}]
    """) == [
        "brand.yaml: brand: timezone 'Mars/Olympus_Mons' is not an IANA time zone (e.g. Asia/Shanghai)",
        "brand.yaml: stores[0]: timezone 'GMT+8' is not an IANA time zone (e.g. Asia/Shanghai)",
    ]


def test_bad_brand_fields():
    assert yaml_problems("""
        brand: {name: M, colour: red, default_locale: fr, leaderboard_time: "25:00"}
    """) == [
        "brand.yaml: brand: colour 'red' is not a colour like #8C1D40",
        "brand.yaml: brand: default_locale 'fr' is not one of en, zh-Hans",
        "brand.yaml: brand: leaderboard_time '25:00' is not a time like 21:00",
    ]


def test_bad_associate_fields():
    assert yaml_problems("""
        stores: [{code: A, name: A}]
        associates:
          - {name: Bob, store: A, locale: de, manager: maybe, telegram: bob}
          - {name: [1, 2], store: A, telegram: -5}
          - {name: "{long}", store: A}
    """.replace("{long}", "x" * 201)) == [
        "brand.yaml: associates[0]: locale 'de' is not one of en, zh-Hans",
        "brand.yaml: associates[0]: manager 'maybe' is not true or false",
        "brand.yaml: associates[0]: telegram 'bob' is not a numeric Telegram user id",
        "brand.yaml: associates[1]: name must be text",
        "brand.yaml: associates[1]: telegram '-5' is not a numeric Telegram user id",
        "brand.yaml: associates[2]: name is longer than 200 characters",
    ]


def test_bad_store_codes_and_rewards():
    assert yaml_problems("""
        stores: [{code: "SH XTD", name: A}]
        reward: {percent_off: 0, valid_days: two, code_prefix: "NEW-YEAR"}
    """) == [
        "brand.yaml: stores[0]: code 'SH XTD' may only hold letters, digits, '-' and '_' (at most 32)",
        "brand.yaml: reward: percent_off '0' is not a whole number from 1 to 100",
        "brand.yaml: reward: valid_days 'two' is not a whole number from 1 to 3650",
        "brand.yaml: reward: code_prefix 'NEW-YEAR' may only hold letters and digits (at most 16)",
    ]


def test_duplicates_are_problems_of_the_later_entry():
    assert yaml_problems("""
        stores:
          - {code: SH, name: Shanghai, latitude: north, longitude: 1}
          - {code: SH, name: Shanghai again}
        associates:
          - {name: Bob, store: SH, telegram: 5001}
          - {name: Bob, store: SH}
          - {name: Ann, store: SH, telegram: 5001}
        hq_operators:
          - {name: Hannah}
          - {name: Hannah, telegram: 5002}
    """) == [
        "brand.yaml: stores[0]: latitude 'north' is not a number",
        "brand.yaml: stores[1]: store code 'SH' is already defined at stores[0]",
        "brand.yaml: associates[1]: associate 'Bob' of store 'SH' is already defined at associates[0]",
        "brand.yaml: associates[2]: Telegram user 5001 is already given to associates[0]",
        "brand.yaml: hq_operators[1]: HQ operator 'Hannah' is already defined at hq_operators[0]",
    ]


def test_unknown_sections_and_fields_are_typos_until_proven_otherwise():
    assert yaml_problems("""
        brand: {name: M}
        shoppers: []
        stores: [{code: A, name: A, adress: x}]
        associates: {name: Bob}
        hq_operators: [Hannah]
    """) == [
        "brand.yaml: unknown section 'shoppers' (expected brand, stores, associates, hq_operators, reward, shop)",
        "brand.yaml: associates must be a list of entries",
        "brand.yaml: stores[0]: unknown field 'adress' (expected code, name, address, latitude, longitude, timezone, hours)",
        "brand.yaml: hq_operators[0]: must be a mapping of fields",
    ]


def test_a_yaml_syntax_error_names_its_line():
    with pytest.raises(BrandFileError) as raised:
        document_from_yaml("stores:\n  - code: A\n  name: [\n", "brand.yaml")
    assert raised.value.problems[0].startswith("brand.yaml line 3: not valid YAML")


# --- bad CSV rows ---------------------------------------------------------------------------


def test_bad_csv_rows_are_named_by_line_in_file_order():
    assert csv_problems("""\
        kind,code,name,latitude,longitude,store,adress
        store,SH,Shanghai,abc,121.4,,
        store,BJ,Beijing,39.9,116.4,,

        # associates
        associate,,Bob,31,,SH,
        shops,,Nobody,,,,
        associate,,Ann,,,XX,,,
        associate,,Wei,,,BJ,,extra
        ,,Nameless,,,,
        brand,,M,,,,
        brand,,M2,,,,
    """) == [
        "stores.csv line 1: unknown column 'adress'",
        "stores.csv line 2: latitude 'abc' is not a number",
        "stores.csv line 6: column 'latitude' does not apply to associate rows",
        "stores.csv line 7: kind 'shops' is not one of brand, store, associate, hq, reward, shop",
        "stores.csv line 8: store 'XX' is not defined",
        "stores.csv line 9: 8 values for 7 columns",
        "stores.csv line 10: kind is missing",
        "stores.csv line 12: a second brand row (the first is line 11)",
    ]


def test_a_csv_file_needs_a_header_with_a_kind_column():
    with pytest.raises(BrandFileError) as raised:
        document_from_csv("code,name\nSH,Shanghai\n", "stores.csv")
    assert raised.value.problems == ["stores.csv line 1: the first row names the columns, and one is 'kind'"]


def test_a_quoted_csv_value_may_hold_commas_and_line_breaks():
    plan = plan_brand(document_from_csv('kind,code,name,address\nstore,SH,Shanghai,"1 Road,\nHuangpu"\nstore,BJ,"Bei, jing",\n',
                                        "stores.csv"))
    assert [(s.name, s.address) for s in plan.stores] == [("Shanghai", "1 Road,\nHuangpu"), ("Bei, jing", "")]


# --- one associate from the command line --------------------------------------------------------


def test_an_associate_typed_on_the_command_line_is_checked_like_a_file_entry():
    assert associate_spec("sa add", "SH", "Bob", "en", True) == AssociateSpec("sa add", "SH", "Bob", "en", True, None)
    with pytest.raises(BrandFileError) as raised:
        associate_spec("sa add", "SH", "  ", None, False)
    assert raised.value.problems == ["sa add: name is missing"]


# --- the poster of an associate ------------------------------------------------------------------


def test_the_poster_speaks_the_associates_language_and_links_to_their_code():
    from bot.interface.i18n import Catalog
    from bot.images.poster_specs import poster_spec_for
    from commerce.codes import sign_enrollment_code, verify_enrollment_code
    from commerce.people import Associate, Brand, Store

    key = b"poster-spec-test-key-0123456789abcdef"
    brand = Brand(name="Dolce & Co", colour="#8C1D40", id=1)
    store = Store(brand_id=1, code="SH", name="上海新天地店", id=2)
    lina = Associate(store_id=2, display_name="李娜", short_code="K7QXM4", locale="zh-Hans", id=42)

    spec = poster_spec_for(lina, store, brand, "MaisonBot", key, Catalog.load())

    assert spec.deep_link == f"https://t.me/MaisonBot?start={sign_enrollment_code(42, key)}"
    assert verify_enrollment_code(spec.deep_link.rsplit("=", 1)[1], [key]) == 42
    assert (spec.locale, spec.call_to_action, spec.subtitle) == ("zh-Hans", "加入 Dolce & Co 会员", "扫码加入，与我一对一聊天")
    assert (spec.associate_name, spec.store_name, spec.short_code, spec.brand_colour) == ("李娜", "上海新天地店", "K7QXM4", "#8C1D40")
