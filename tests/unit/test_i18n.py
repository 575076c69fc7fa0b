import pytest

from bot.interface.i18n import Catalog, locale_for


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh", "zh-Hans"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_locale_follows_telegram_language_code(code, expected):
    assert locale_for(code, "en") == expected


def test_unknown_language_falls_back_to_the_brand_default():
    assert locale_for("fr", "zh-Hans") == "zh-Hans"


def test_every_catalog_has_every_key(catalog):
    assert set(catalog.messages["zh-Hans"]) == set(catalog.messages["en"])


def test_chinese_text_comes_from_the_chinese_catalog(catalog):
    assert "欢迎" in catalog.text("zh-Hans", "consumer.start_guest", brand="B")


def test_parameters_are_html_escaped(catalog):
    text = catalog.text("en", "consumer.start_member", brand="A&B", name="<script>", associate="Bob")
    assert "&lt;script&gt;" in text and "A&amp;B" in text and "<script>" not in text


def test_a_catalog_with_missing_placeholders_is_refused(tmp_path):
    (tmp_path / "en.toml").write_text('greet = "Hi {name}"\n')
    (tmp_path / "zh-Hans.toml").write_text('greet = "你好"\n')
    with pytest.raises(ValueError, match="placeholders"):
        Catalog.load(tmp_path)


def test_a_locale_split_by_feature_is_one_catalog(tmp_path):
    (tmp_path / "en.toml").write_text('[a]\nhello = "Hello {name}"\n')
    (tmp_path / "en.relay.toml").write_text('[relay]\nhint = "Reply to a message"\n')
    catalog = Catalog.load(tmp_path)
    assert set(catalog.messages) == {"en"}
    assert catalog.text("en", "relay.hint") == "Reply to a message"
    assert catalog.text("en", "a.hello", name="<b>") == "Hello &lt;b&gt;"


def test_a_key_defined_in_two_files_of_one_locale_is_refused(tmp_path):
    (tmp_path / "en.toml").write_text('[relay]\nhint = "one"\n')
    (tmp_path / "en.relay.toml").write_text('[relay]\nhint = "two"\n')
    with pytest.raises(KeyError, match="relay.hint is defined twice"):
        Catalog.load(tmp_path)
