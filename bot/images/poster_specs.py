"""What goes on an associate's poster: the one place the CLI and the staff bot's /qr
turn an associate into a PosterSpec."""

from __future__ import annotations

import html

from bot.images.poster_layout import PosterSpec, brand_logo
from bot.interface.i18n import Catalog
from bot.interface.links import start_link
from commerce.codes import sign_enrollment_code
from commerce.people import Associate, Brand, Store

POSTER_LOCALES = ("en", "zh-Hans")


def poster_spec_for(associate: Associate, store: Store, brand: Brand, consumer_username: str, key: bytes,
                    catalog: Catalog) -> PosterSpec:
    """The poster in the associate's own language: they hand it to their shoppers."""
    assert associate.id is not None, "a stored associate"
    locale = associate.locale if associate.locale in POSTER_LOCALES else "en"
    return PosterSpec(
        deep_link=start_link(consumer_username, sign_enrollment_code(associate.id, key)),
        brand_name=brand.name,
        brand_colour=brand.colour,
        associate_name=associate.display_name,
        store_name=store.name,
        short_code=associate.short_code,
        locale=locale,  # type: ignore[arg-type]
        call_to_action=_plain(catalog.text(locale, "poster.cta", brand=brand.name)),
        subtitle=_plain(catalog.text(locale, "poster.subtitle")),
        logo_path=brand_logo(),
    )


def _plain(message: str) -> str:
    """Catalog texts are HTML for chat; the poster draws characters, so "&" stays "&"."""
    return html.unescape(message)
