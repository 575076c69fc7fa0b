"""The one Settings class. Every STORELINK_* variable is read here and nowhere else."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.runtime.redaction import protect_secrets

VAR_DIR = Path("var")
TELEGRAM_BOT_API = "https://api.telegram.org"
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
# Values people leave in .env files when copying an example.
_PLACEHOLDERS = re.compile(r"^(|changeme|change-me|change_me|todo|xxx+|token|your[-_ ]?.*|<.*>|\.\.\.|123456:ABC-DEF.*)$", re.I)
# What Telegram accepts as secret_token (1-256 of these characters), at least 16 long: a
# guessable secret lets anyone post updates, and a short one could not be told apart from
# ordinary text when it is redacted from what the process writes.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
SIGNING_KEY_MIN = 32
# A provider token as @BotFather gives it ("284685063:TEST:MjM0..."): digits, the mode, a secret.
_PROVIDER_TOKEN = re.compile(r"^\d{3,}:(TEST|LIVE):[A-Za-z0-9_=+/-]{8,}$")
API_TOKEN_MIN = 24  # characters of the orders API's bearer token: not guessable, and redactable
_API_TOKEN = re.compile(rf"^[A-Za-z0-9._~+/=-]{{{API_TOKEN_MIN},256}}$")
LOCALES = ("en", "zh-Hans")
TRANSPORTS = ("aiohttp", "httpx")  # as bot.runtime.transport names them


class SettingsError(Exception):
    """Start-up configuration is unusable; str() is one line per problem."""


def _reject_placeholder(value: str) -> str:
    if _PLACEHOLDERS.match(value.strip()):
        raise ValueError("is a placeholder, set the real value")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORELINK_", env_file=".env", extra="ignore")

    consumer_bot_token: SecretStr | None = None  # required to run the bots (load_settings checks)
    associate_bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_BOT_API
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/storelink.db"
    redis_url: str | None = None
    webhook_base_url: str | None = None
    webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    signing_key: SecretStr | None = None
    previous_signing_keys: SecretStr | None = None  # comma-separated, still accepted after a rotation
    brand_name: str = "Storelink Demo"
    default_locale: str = "en"
    timezone: str = "UTC"
    # Days a leaderboard image is kept after it was last queued; older ones are deleted
    # as new ones are stored (once no unsent message names them).
    leaderboard_image_days: int = Field(14, ge=1, le=3650)
    # The HTTP client PTB talks to the Bot API through: aiohttp (one session per bot, far
    # less CPU per call) or httpx (PTB's own default), to fall back on.
    bot_transport: str = "aiohttp"
    # The payment provider's token from @BotFather: orders are paid by Telegram invoice in
    # the chat when it is set, otherwise at pickup or on delivery. Never written to the
    # database (outbox rows name it, the sender fills it in) nor to any log.
    payment_provider_token: SecretStr | None = None
    # The bearer token the brand's own systems present to POST /api/orders/{id}/events;
    # unset, that endpoint is off (503).
    orders_api_token: SecretStr | None = None
    # Seconds a process keeps the brand (texts, settings) between reads: a `storelink brand
    # load` reaches the running bots within this long. 0: read it for every update.
    brand_refresh_seconds: float = Field(2.0, ge=0, le=3600)

    @field_validator("consumer_bot_token", "associate_bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = _reject_placeholder(value.get_secret_value())
        if not _TOKEN.match(raw):
            raise ValueError("is not a bot token (expected <digits>:<secret> from @BotFather)")
        return value

    @field_validator("bot_api_url", "webhook_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _reject_placeholder(value).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        scheme = urlsplit(_reject_placeholder(value)).scheme
        if not scheme.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if urlsplit(_reject_placeholder(value)).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis:// URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = _reject_placeholder(value.get_secret_value())
        if not _SECRET_TOKEN.match(raw):
            raise ValueError("must be 16-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("signing_key")
    @classmethod
    def _signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        if len(_reject_placeholder(value.get_secret_value()).strip()) < SIGNING_KEY_MIN:
            raise ValueError(f"must be at least {SIGNING_KEY_MIN} characters")
        return value

    @field_validator("payment_provider_token")
    @classmethod
    def _provider_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        raw = _reject_placeholder(value.get_secret_value().strip())
        if not _PROVIDER_TOKEN.match(raw):
            raise ValueError("is not a payment provider token (expected <digits>:<TEST|LIVE>:<secret> from @BotFather)")
        return SecretStr(raw)

    @field_validator("orders_api_token")
    @classmethod
    def _api_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        raw = _reject_placeholder(value.get_secret_value().strip())
        if not _API_TOKEN.match(raw):
            raise ValueError(f"must be {API_TOKEN_MIN}-256 characters of A-Z a-z 0-9 . _ ~ + / = -")
        return SecretStr(raw)

    @field_validator("bot_transport")
    @classmethod
    def _transport(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in TRANSPORTS:
            raise ValueError(f"must be one of {', '.join(TRANSPORTS)}")
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not an IANA time zone (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("brand_name")
    @classmethod
    def _brand(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 64:
            raise ValueError("must be 1-64 characters")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_base_url and self.webhook_secret is None:
            raise ValueError("STORELINK_WEBHOOK_SECRET is required when STORELINK_WEBHOOK_BASE_URL is set")
        tokens = (self.consumer_bot_token, self.associate_bot_token)
        if all(tokens) and tokens[0].get_secret_value() == tokens[1].get_secret_value():  # type: ignore[union-attr]
            raise ValueError("the consumer and associate bots need two different tokens")
        return self

    @model_validator(mode="after")
    def _protect(self) -> Settings:
        """From here on, nothing the process writes may show these values."""
        for token in (self.consumer_bot_token, self.associate_bot_token):
            if token is not None:
                raw = token.get_secret_value()
                protect_secrets(raw, raw.partition(":")[2])
        for secret in (self.webhook_secret, self.signing_key, self.payment_provider_token, self.orders_api_token):
            if secret is not None:
                protect_secrets(secret.get_secret_value())
        if self.previous_signing_keys is not None:
            protect_secrets(*self.previous_signing_keys.get_secret_value().split(","))
        for url in (self.database_url, self.redis_url):
            protect_secrets(_password(url))
        return self

    @property
    def takes_invoices(self) -> bool:
        """Orders can be paid by Telegram invoice (a provider token is configured)."""
        return self.payment_provider_token is not None

    def secret_params(self) -> dict[str, str]:
        """Secrets outbox rows name instead of holding, by setting name (bot/runtime/attempts.py)."""
        token = self.payment_provider_token
        return {"payment_provider_token": token.get_secret_value()} if token is not None else {}

    def token(self, name: str) -> str:
        value = getattr(self, f"{name}_bot_token")
        assert value is not None, "load_settings() checks the tokens"
        return value.get_secret_value()

    @property
    def uses_webhooks(self) -> bool:
        return self.webhook_base_url is not None

    def signing_keys(self) -> list[bytes]:
        """The current key first (it signs), then the previous ones (they still verify)."""
        if self.signing_key is not None:
            current = self.signing_key.get_secret_value().encode()
        else:
            current = load_or_create_signing_key(VAR_DIR / "signing.key")
        previous = self.previous_signing_keys.get_secret_value().split(",") if self.previous_signing_keys else []
        return [current, *(key.strip().encode() for key in previous if key.strip())]


def _password(url: str | None) -> str | None:
    try:
        return urlsplit(url).password if url else None
    except ValueError:
        return None


def load_or_create_signing_key(path: Path) -> bytes:
    """A random key kept in ./var when none is configured, so posters stay valid."""
    key = read_signing_key_file(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    protect_secrets(key.decode())
    path.touch(mode=0o600)
    path.write_bytes(key)
    return key


def read_signing_key_file(path: Path) -> bytes | None:
    """The key kept in the file, None when there is no file, SettingsError when the file
    holds no usable key: an empty or truncated file must not sign (anyone could forge
    codes signed with an empty key), and making a new key would void every printed poster."""
    if not path.exists():
        return None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise SettingsError(f"{path.resolve()} cannot be read ({exc.strerror})") from None
    protect_secrets(key.decode(errors="replace"))
    if len(key) < SIGNING_KEY_MIN:
        state = "is empty" if not key else f"holds {len(key)} characters"
        raise SettingsError(f"{path.resolve()} {state}: a signing key needs at least {SIGNING_KEY_MIN} characters "
                            "(restore the key, delete the file to have a new one made, or set STORELINK_SIGNING_KEY)")
    return key


def load_settings(*, require_tokens: bool = True, **overrides: Any) -> Settings:
    """Settings from the environment and .env, or SettingsError with one line per problem.
    Commands that do not talk to Telegram (db upgrade) pass require_tokens=False."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    if require_tokens:
        missing = [name for name in ("consumer_bot_token", "associate_bot_token") if getattr(settings, name) is None]
        if missing:
            raise SettingsError("\n".join(f"STORELINK_{name.upper()} is missing" for name in missing))
    if settings.signing_key is None:
        read_signing_key_file(VAR_DIR / "signing.key")  # a broken key file stops every command at once
    return settings



def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = error["loc"][0] if error["loc"] else None
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is missing"
        name = f"STORELINK_{str(field).upper()}" if field else "configuration"
        lines.append(f"{name} {message}" if field else message)
    return "\n".join(lines)
