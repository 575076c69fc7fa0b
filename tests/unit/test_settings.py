"""Start-up configuration: a bad value stops start-up with one line naming it."""

import pytest

from bot.runtime.settings import SettingsError, load_settings

GOOD = {
    "STORELINK_CONSUMER_BOT_TOKEN": "123456:" + "a" * 35,
    "STORELINK_ASSOCIATE_BOT_TOKEN": "654321:" + "b" * 35,
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(__import__("os").environ):
        if name.startswith("STORELINK_"):
            monkeypatch.delenv(name)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)


def error_for(monkeypatch, **env) -> str:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return str(caught.value)


def test_good_settings_load_with_embedded_defaults():
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None and not settings.uses_webhooks
    assert settings.bot_api_url == "https://api.telegram.org"


def test_missing_token_names_the_variable(monkeypatch):
    assert error_for(monkeypatch, STORELINK_CONSUMER_BOT_TOKEN=None) == "STORELINK_CONSUMER_BOT_TOKEN is missing"


@pytest.mark.parametrize("placeholder", ["changeme", "your-token-here", "<token>", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"])
def test_placeholder_token_is_rejected(monkeypatch, placeholder):
    message = error_for(monkeypatch, STORELINK_ASSOCIATE_BOT_TOKEN=placeholder)
    assert message == "STORELINK_ASSOCIATE_BOT_TOKEN is a placeholder, set the real value"


def test_malformed_token_says_what_a_token_looks_like(monkeypatch):
    message = error_for(monkeypatch, STORELINK_CONSUMER_BOT_TOKEN="not a token")
    assert message.startswith("STORELINK_CONSUMER_BOT_TOKEN is not a bot token")


def test_the_token_never_appears_in_the_error(monkeypatch):
    secret = "999999:" + "s" * 20  # too short: malformed
    message = error_for(monkeypatch, STORELINK_CONSUMER_BOT_TOKEN=secret)
    assert secret not in message and "s" * 20 not in message


def test_malformed_urls_and_ports_are_named(monkeypatch):
    message = error_for(
        monkeypatch,
        STORELINK_BOT_API_URL="ftp://x",
        STORELINK_DATABASE_URL="mysql://db",
        STORELINK_HTTP_PORT="99999",
    )
    lines = message.splitlines()
    assert [line.split()[0] for line in lines] == [
        "STORELINK_BOT_API_URL",
        "STORELINK_DATABASE_URL",
        "STORELINK_HTTP_PORT",
    ]


def test_webhook_without_secret_is_refused(monkeypatch):
    message = error_for(monkeypatch, STORELINK_WEBHOOK_BASE_URL="https://bots.example.com")
    assert "STORELINK_WEBHOOK_SECRET is required" in message


def test_webhook_secret_must_be_what_telegram_accepts(monkeypatch):
    message = error_for(monkeypatch, STORELINK_WEBHOOK_BASE_URL="https://bots.example.com", STORELINK_WEBHOOK_SECRET="has spaces!")
    assert message.startswith("STORELINK_WEBHOOK_SECRET must be 16-256 characters")


def test_unknown_timezone_and_locale_are_named(monkeypatch):
    message = error_for(monkeypatch, STORELINK_TIMEZONE="Mars/Olympus", STORELINK_DEFAULT_LOCALE="fr")
    assert "STORELINK_TIMEZONE is not an IANA time zone" in message
    assert "STORELINK_DEFAULT_LOCALE must be one of en, zh-Hans" in message


def test_short_signing_key_is_refused(monkeypatch):
    assert error_for(monkeypatch, STORELINK_SIGNING_KEY="short").startswith("STORELINK_SIGNING_KEY must be at least 32")


def test_same_token_for_both_bots_is_refused(monkeypatch):
    message = error_for(monkeypatch, STORELINK_ASSOCIATE_BOT_TOKEN=GOOD["STORELINK_CONSUMER_BOT_TOKEN"])
    assert "two different tokens" in message


def test_settings_are_read_from_dotenv(monkeypatch, tmp_path):
    monkeypatch.delenv("STORELINK_CONSUMER_BOT_TOKEN")
    (tmp_path / ".env").write_text(f"STORELINK_CONSUMER_BOT_TOKEN={GOOD['STORELINK_CONSUMER_BOT_TOKEN']}\nSTORELINK_BRAND_NAME=Maison\n")
    settings = load_settings()
    assert settings.brand_name == "Maison"


def test_signing_key_is_generated_once_and_kept(tmp_path):
    settings = load_settings()
    first = settings.signing_keys()
    assert len(first[0]) >= 32
    assert load_settings().signing_keys() == first
    assert (tmp_path / "var" / "signing.key").stat().st_mode & 0o077 == 0


def test_previous_signing_keys_still_verify_after_a_rotation(monkeypatch):
    monkeypatch.setenv("STORELINK_SIGNING_KEY", "n" * 40)
    monkeypatch.setenv("STORELINK_PREVIOUS_SIGNING_KEYS", "o" * 40 + ", " + "p" * 40)
    assert load_settings().signing_keys() == [b"n" * 40, b"o" * 40, b"p" * 40]


def test_a_guessable_webhook_secret_is_refused(monkeypatch):
    message = error_for(monkeypatch, STORELINK_WEBHOOK_BASE_URL="https://bots.example.com", STORELINK_WEBHOOK_SECRET="abc123")
    assert message.startswith("STORELINK_WEBHOOK_SECRET must be 16-256 characters")


@pytest.mark.parametrize("content", [b"", b"  \n\t\n", b"k" * 31 + b"\n"])
def test_an_empty_or_short_signing_key_file_is_refused_naming_the_file(tmp_path, content):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "signing.key").write_bytes(content)

    with pytest.raises(SettingsError) as caught:
        load_settings()

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path.resolve() / 'var' / 'signing.key'} ")
    assert "at least 32 characters" in message
    assert (tmp_path / "var" / "signing.key").read_bytes() == content  # not replaced: printed posters stay decidable


def test_a_configured_signing_key_does_not_read_the_file(monkeypatch, tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "signing.key").write_bytes(b"")
    monkeypatch.setenv("STORELINK_SIGNING_KEY", "n" * 40)
    assert load_settings().signing_keys() == [b"n" * 40]


def test_the_bots_talk_through_aiohttp_unless_told_httpx(monkeypatch):
    assert load_settings().bot_transport == "aiohttp"
    monkeypatch.setenv("STORELINK_BOT_TRANSPORT", " HTTPX ")
    assert load_settings().bot_transport == "httpx"


def test_an_unknown_transport_names_the_choices(monkeypatch):
    message = error_for(monkeypatch, STORELINK_BOT_TRANSPORT="curl")
    assert message == "STORELINK_BOT_TRANSPORT must be one of aiohttp, httpx"
