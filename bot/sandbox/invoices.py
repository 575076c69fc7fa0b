"""An invoice as sendInvoice takes it, checked in the order Telegram checks it.

Three layers refuse a bad invoice, each in its own words, and the sandbox keeps both
the order and the words: the Bot API server reads the parameters ('Parameter "title"
is required', "Can't parse prices JSON object", "Can't parse labeled price: ..."), TDLib
checks the amounts ("Total price must be positive"), and Telegram's servers check the
rest (INVOICE_PAYLOAD_INVALID, PAYMENT_PROVIDER_INVALID, STARS_INVOICE_INVALID,
CURRENCY_TOTAL_AMOUNT_INVALID). Titles (1-32) and descriptions (1-255) are counted in
UTF-16 units like every Telegram text, the payload (1-128) in UTF-8 bytes. Telegram does
not document its words for a title or description out of range; the sandbox says which
limit was broken.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.markup import utf16_len
from bot.sandbox.params import Params

TITLE_LIMIT = 32  # UTF-16 units
DESCRIPTION_LIMIT = 255  # UTF-16 units
PAYLOAD_LIMIT = 128  # UTF-8 bytes
STARS = "XTR"  # Telegram Stars: no provider, exactly one price
MAX_AMOUNT = 999_999_999_999  # TDLib's bound for one amount and for the total
_TIP_LIMIT = 4
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass
class Invoice:
    """What the bot asked for; payload and provider stay between the bot and Telegram."""

    title: str
    description: str
    payload: str
    provider_token: str
    currency: str
    prices: list[dict[str, Any]]
    start_parameter: str = ""
    max_tip_amount: int = 0
    suggested_tip_amounts: list[int] = field(default_factory=list)
    need_name: bool = False
    need_phone_number: bool = False
    need_email: bool = False
    need_shipping_address: bool = False
    is_flexible: bool = False
    paying: bool = False  # a pre-checkout query is out for it
    charge_id: str | None = None  # telegram_payment_charge_id once paid

    @property
    def total_amount(self) -> int:
        return sum(price["amount"] for price in self.prices)

    def as_json(self) -> dict[str, Any]:
        """The Invoice object of the Bot API, as the message shows it."""
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }


def read_invoice(params: Params) -> Invoice:
    """The invoice of a sendInvoice call, or the error Telegram answers it with."""
    title = params.string("title", required='Parameter "title" is required')
    description = params.string("description", required='Parameter "description" is required')
    payload = params.string("payload", required='Parameter "payload" is required')
    currency = params.string("currency", required='Parameter "currency" is required')
    prices = _prices(params)
    max_tip, tips = _tips(params)
    invoice = Invoice(
        title=title or "",
        description=description or "",
        payload=payload or "",
        provider_token=params.string("provider_token") or "",
        currency=currency or "",
        prices=prices,
        start_parameter=params.string("start_parameter") or "",
        max_tip_amount=max_tip,
        suggested_tip_amounts=tips,
        need_name=params.flag("need_name"),
        need_phone_number=params.flag("need_phone_number") or params.flag("send_phone_number_to_provider"),
        need_email=params.flag("need_email") or params.flag("send_email_to_provider"),
        need_shipping_address=params.flag("need_shipping_address") or params.flag("is_flexible"),
        is_flexible=params.flag("is_flexible"),
    )
    _check_amounts(invoice)
    _check_on_telegram(invoice)
    return invoice


def _prices(params: Params) -> list[dict[str, Any]]:
    raw = params.raw("prices")
    if raw in (None, "", []):
        raise bad_request('Parameter "prices" is required')
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("Can't parse prices JSON object") from None
    if not isinstance(raw, list):
        raise bad_request("Expected an Array of labeled prices")
    prices = [_labeled_price(item) for item in raw]
    if not prices:
        raise bad_request("There must be at least one price")
    return prices


def _labeled_price(item: Any) -> dict[str, Any]:
    def refuse(reason: str) -> Exception:
        return bad_request(f"Can't parse labeled price: {reason}")

    if not isinstance(item, dict):
        raise refuse("LabeledPrice must be an Object")
    if "label" not in item:
        raise refuse('Can\'t find field "label"')
    label = item["label"]
    if not isinstance(label, str):
        raise refuse('Field "label" must be of type String')
    if not label:
        raise refuse("LabeledPrice label must be non-empty")
    if "amount" not in item:
        raise refuse('Can\'t find field "amount"')
    amount = _integer(item["amount"])
    if amount is None:
        raise refuse('Field "amount" must be of type Number')
    return {"label": label, "amount": amount}


def _integer(value: Any) -> int | None:
    """An integer as Telegram reads one from JSON: a whole number, or a string of one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value):
        return int(value)
    return None


def _tips(params: Params) -> tuple[int, list[int]]:
    raw_max = params.raw("max_tip_amount")
    max_tip = 0
    if raw_max not in (None, ""):
        parsed = _integer(raw_max)
        if parsed is None:
            raise bad_request('Can\'t parse "max_tip_amount" as Number')
        max_tip = parsed
    raw_tips = params.raw("suggested_tip_amounts")
    if raw_tips in (None, ""):
        return max_tip, []
    if isinstance(raw_tips, str):
        try:
            raw_tips = json.loads(raw_tips)
        except ValueError:
            raise bad_request("Can't parse suggested_tip_amounts JSON object") from None
    tips = [_integer(tip) for tip in raw_tips] if isinstance(raw_tips, list) else [None]
    if any(tip is None for tip in tips):
        raise bad_request("Can't parse suggested_tip_amounts JSON object")
    return max_tip, [tip for tip in tips if tip is not None]


def _check_amounts(invoice: Invoice) -> None:
    """TDLib's checks, before anything reaches Telegram."""
    if any(abs(price["amount"]) > MAX_AMOUNT for price in invoice.prices):
        raise bad_request("Too big amount of the currency specified")
    total = invoice.total_amount
    if total <= 0:
        raise bad_request("Total price must be positive")
    if total > MAX_AMOUNT:
        raise bad_request("Total price is too big")
    if not 0 <= invoice.max_tip_amount <= MAX_AMOUNT:
        raise bad_request("Invalid max_tip_amount of the currency specified")
    for tip in invoice.suggested_tip_amounts:
        if tip <= 0:
            raise bad_request("Suggested tip amount must be positive")
        if tip > invoice.max_tip_amount:
            raise bad_request("Suggested tip amount can't be bigger than max_tip_amount")
    if len(invoice.suggested_tip_amounts) > _TIP_LIMIT:
        raise bad_request("There can be at most 4 suggested tip amounts")


def _check_on_telegram(invoice: Invoice) -> None:
    """What Telegram's servers refuse."""
    if utf16_len(invoice.title) > TITLE_LIMIT:
        raise bad_request(f"invoice title must be 1-{TITLE_LIMIT} characters")
    if utf16_len(invoice.description) > DESCRIPTION_LIMIT:
        raise bad_request(f"invoice description must be 1-{DESCRIPTION_LIMIT} characters")
    if len(invoice.payload.encode("utf-8", "surrogatepass")) > PAYLOAD_LIMIT:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if not _CURRENCY.fullmatch(invoice.currency):
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    if invoice.currency == STARS:
        # Stars: no provider, one price, no tips (need_name and the like are ignored).
        if invoice.provider_token or len(invoice.prices) != 1 or invoice.max_tip_amount:
            raise bad_request("STARS_INVOICE_INVALID")
    elif not invoice.provider_token:
        raise bad_request("PAYMENT_PROVIDER_INVALID")


def check_invoice_markup(markup: dict[str, Any] | None) -> None:
    """An invoice's own keyboard must start with its pay button (none: Telegram adds one)."""
    if markup is None:
        return
    rows = markup.get("inline_keyboard")
    first = rows[0][0] if rows and rows[0] else None
    if not (isinstance(first, dict) and first.get("pay")):
        raise bad_request("REPLY_MARKUP_BUY_EMPTY")
