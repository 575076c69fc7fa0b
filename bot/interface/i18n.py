"""Message catalogs (assets/locales/*.toml), chosen by the Telegram user's language_code."""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parents[2] / "assets" / "locales"


def locale_for(language_code: str | None, default: str) -> str:
    """Telegram sends IETF tags ("en", "en-GB", "zh-hans", "zh-CN"); we ship en and zh-Hans."""
    if not language_code:
        return default
    primary = language_code.lower().split("-")[0]
    if primary == "zh":
        return "zh-Hans"  # the only Chinese catalog; Traditional readers get Simplified over English
    if primary == "en":
        return "en"
    return default


@dataclass(frozen=True)
class Catalog:
    messages: Mapping[str, Mapping[str, str]]  # locale -> "section.key" -> template
    fallback: str = "en"

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        messages: dict[str, dict[str, str]] = {}
        # A locale may be split by feature: "en.toml", "en.relay.toml"... all make up "en".
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as handle:
                tree = tomllib.load(handle)
            table = messages.setdefault(path.name.split(".", 1)[0], {})
            for key, template in _flatten(tree):
                if key in table:
                    raise KeyError(f"{key} is defined twice in the {path.name.split('.', 1)[0]} catalog ({path.name})")
                table[key] = template
        if "en" not in messages:
            raise FileNotFoundError(f"no English catalog in {directory}")
        catalog = cls(messages)
        catalog.check()
        return catalog

    def check(self) -> None:
        """Every locale has every key with the same placeholders (caught at start-up, not in chat)."""
        reference = self.messages[self.fallback]
        for locale, table in self.messages.items():
            for key, template in reference.items():
                if key not in table:
                    raise KeyError(f"{locale} catalog lacks {key}")
                if _fields(table[key]) != _fields(template):
                    raise ValueError(f"{locale} {key} has placeholders {_fields(table[key])}, expected {_fields(template)}")

    def text(self, locale: str, key: str, *, markup: Mapping[str, str] | None = None, **params: object) -> str:
        """The message in HTML; parameters are escaped, so user text can never inject markup.
        `markup` carries fragments this code rendered itself (already safe HTML)."""
        table = self.messages.get(locale) or self.messages[self.fallback]
        template = table.get(key) or self.messages[self.fallback][key]
        values = {name: html.escape(str(value), quote=False) for name, value in params.items()}
        return template.format(**values, **(markup or {}))


def _flatten(tree: Mapping[str, object], prefix: str = ""):
    for name, value in tree.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", str(value)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
