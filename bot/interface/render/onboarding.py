"""Messages of associate onboarding: what the staff bot says when an invite link is opened."""

from __future__ import annotations

from bot.interface.i18n import Catalog
from bot.interface.render.base import Outgoing, text
from commerce.onboarding import InviteOutcome, InviteResult


def invite_result(catalog: Catalog, brand_name: str, result: InviteResult, locale: str) -> Outgoing:
    if result.outcome is InviteOutcome.BOUND and result.associate is not None:
        store = result.store.name if result.store else ""
        return text(catalog.text(locale, "onboarding.bound", name=result.associate.display_name, store=store, brand=brand_name))
    return text(catalog.text(locale, f"onboarding.{result.outcome.value}", brand=brand_name))
