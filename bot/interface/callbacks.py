"""Typed callback data: small dataclasses packed as "<prefix>:<field>:<field>", ids only.

Telegram returns whatever the client sends, so unpacking is parsing untrusted input:
a malformed or unknown string unpacks to None, and every handler re-checks on the server
that the person may do what the data says. A number unpacks only within the range of the
database's integer columns, so a forged id is refused here, not by the database.

Every type registers its prefix when it is defined, and a prefix taken twice stops the
import: two types sharing one would each claim the other's buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

from commerce import lengths
from commerce.ids import parse_row_id

CALLBACK_LIMIT = lengths.CALLBACK_DATA  # bytes of UTF-8
# Letters, digits and "_": never the ":" that separates fields, nothing a handler's
# pattern() would read as a regular expression.
PREFIX_SHAPE = re.compile(r"[A-Za-z0-9_]+")
_REGISTRY: dict[str, type[CallbackData]] = {}


def registered() -> tuple[type[CallbackData], ...]:
    """Every callback data type defined, in the order defined."""
    return tuple(_REGISTRY.values())


@dataclass(frozen=True, slots=True)
class CallbackData:
    prefix: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Named: slots=True rebuilds this class too, and the argument-less form would name the first.
        super(CallbackData, cls).__init_subclass__(**kwargs)
        prefix = cls.__dict__.get("prefix")
        if not isinstance(prefix, str) or not PREFIX_SHAPE.fullmatch(prefix):
            raise TypeError(f"{cls.__qualname__} needs a prefix of its own of letters, digits or '_', not {prefix!r}")
        taken = _REGISTRY.get(prefix)
        # dataclass(slots=True) builds the class again under the same name: that one replaces it.
        if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"callback prefix {prefix!r} of {cls.__qualname__} is taken by {taken.__qualname__}")
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for field in fields(self):
            value = getattr(self, field.name)
            parts.append(("1" if value else "0") if isinstance(value, bool) else str(value))
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_LIMIT or any(":" in p for p in parts[1:]):
            raise ValueError(f"callback data {data!r} does not fit Telegram's 64 bytes")
        return data

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        if not data:
            return None
        parts = data.split(":")
        own = fields(cls)
        if parts[0] != cls.prefix or len(parts) != len(own) + 1:
            return None
        values: dict[str, Any] = {}
        for field, raw in zip(own, parts[1:], strict=True):
            kind = field.type if isinstance(field.type, str) else field.type.__name__
            if kind == "bool":
                if raw not in ("0", "1"):
                    return None
                values[field.name] = raw == "1"
            elif kind == "int":
                number = parse_row_id(raw)  # ids and page numbers alike: within the id columns' range
                if number is None:
                    return None
                values[field.name] = number
            else:
                values[field.name] = raw
        return cls(**values)

    @classmethod
    def is_stale(cls, data: object) -> bool:
        """Data with this type's prefix that does not unpack: forged, or from an older build."""
        return isinstance(data, str) and data.split(":", 1)[0] == cls.prefix and cls.unpack(data) is None

    @classmethod
    def pattern(cls) -> str:
        """For PTB's CallbackQueryHandler(pattern=...)."""
        return f"^{cls.prefix}(:|$)"


@dataclass(frozen=True, slots=True)
class SwitchChoice(CallbackData):
    prefix: ClassVar[str] = "sw"
    associate_id: int  # the associate whose code was scanned
    switch: bool  # True: switch to them; False: keep the current associate


@dataclass(frozen=True, slots=True)
class PickStore(CallbackData):
    prefix: ClassVar[str] = "ps"
    store_id: int


@dataclass(frozen=True, slots=True)
class PickAssociate(CallbackData):
    prefix: ClassVar[str] = "pa"
    associate_id: int


@dataclass(frozen=True, slots=True)
class ConsentChoice(CallbackData):
    prefix: ClassVar[str] = "cs"
    kind: str  # "marketing" or "chat"
    allowed: bool


@dataclass(frozen=True, slots=True)
class ShowCard(CallbackData):
    prefix: ClassVar[str] = "me"


@dataclass(frozen=True, slots=True)
class ChatsPage(CallbackData):
    """A /chats paging button; the page itself is commerce.chats.ChatListPage."""

    prefix: ClassVar[str] = "cp"
    page: int  # 0-based page of the presser's own /chats; nothing else to own


@dataclass(frozen=True, slots=True)
class OpenChat(CallbackData):
    prefix: ClassVar[str] = "co"
    member_id: int  # re-checked: shown only if the member is the presser's own now


@dataclass(frozen=True, slots=True)
class MemberAction(CallbackData):
    prefix: ClassVar[str] = "mw"
    action: str  # one of MEMBER_ACTIONS; anything else unpacks but does nothing
    member_id: int  # re-checked: only the presser's own member now


# Member workspace buttons: the profile card, tags & notes, the next message as a tag or a
# note, writing from /chats, the conversation.
MEMBER_ACTIONS = frozenset({"profile", "tags", "addtag", "addnote", "write", "history"})


@dataclass(frozen=True, slots=True)
class RemoveTag(CallbackData):
    prefix: ClassVar[str] = "mt"
    member_id: int  # re-checked as for MemberAction
    tag_id: int  # a tag row of that member (a tag's text may not fit 64 bytes)


@dataclass(frozen=True, slots=True)
class MembersPage(CallbackData):
    """A /members paging button; the page itself is commerce.workspace.MemberListPage."""

    prefix: ClassVar[str] = "ml"
    page: int  # 0-based page of the presser's own /members
    digest: str  # of the filter words the list was made with; the words are kept on the server


@dataclass(frozen=True, slots=True)
class ClaimEscalation(CallbackData):
    prefix: ClassVar[str] = "ec"
    escalation_id: int  # re-checked: the presser must be an active associate of its store, not the member's own


@dataclass(frozen=True, slots=True)
class ChooseAssociate(CallbackData):
    prefix: ClassVar[str] = "xs"  # a member opens the list of their store's associates (/switch)


@dataclass(frozen=True, slots=True)
class SwitchTo(CallbackData):
    prefix: ClassVar[str] = "xa"
    associate_id: int  # re-checked: an active associate of the presser's own store


@dataclass(frozen=True, slots=True)
class AskStopChat(CallbackData):
    prefix: ClassVar[str] = "xq"  # a member asks to stop chatting: confirm first


@dataclass(frozen=True, slots=True)
class StopChat(CallbackData):
    prefix: ClassVar[str] = "xc"
    stop: bool  # True: end the chat with the presser's own associate; False: keep it


# --- the catalog in the chats (handlers/catalog.py in the staff bot, handlers/shop.py in the
# consumer bot). A view is commerce.shelf.View: its kind and key (a category's digest or a
# search's folded words); a member id of 0 means none chosen. Every id is re-checked.


@dataclass(frozen=True, slots=True)
class CatalogList(CallbackData):
    prefix: ClassVar[str] = "kl"
    view: str  # a ViewKind value
    key: str
    page: int
    member_id: int  # the member the associate chose first (from their profile), or 0


@dataclass(frozen=True, slots=True)
class OpenCatalog(CallbackData):
    """"Send a product" on a member's profile: the catalog, as a new message, for that member."""

    prefix: ClassVar[str] = "ko"
    member_id: int  # re-checked: the presser's own member now


@dataclass(frozen=True, slots=True)
class CatalogProduct(CallbackData):
    prefix: ClassVar[str] = "kp"
    product_id: int  # re-checked: the presser's brand's, still offered
    member_id: int  # or 0, as for CatalogList


@dataclass(frozen=True, slots=True)
class SendPick(CallbackData):
    prefix: ClassVar[str] = "ks"
    product_id: int
    member_id: int  # 0: choose the member first; else re-checked: the presser's own member now


@dataclass(frozen=True, slots=True)
class ChooseRecipient(CallbackData):
    prefix: ClassVar[str] = "kr"
    product_id: int  # 0: the new arrivals' lookbook
    page: int  # of the presser's own members


@dataclass(frozen=True, slots=True)
class SendLookbook(CallbackData):
    prefix: ClassVar[str] = "kn"
    member_id: int  # 0: choose the member first; else re-checked as for SendPick


@dataclass(frozen=True, slots=True)
class ShopList(CallbackData):
    prefix: ClassVar[str] = "ul"
    view: str  # as CatalogList's
    key: str
    page: int


@dataclass(frozen=True, slots=True)
class ShopProduct(CallbackData):
    prefix: ClassVar[str] = "up"
    product_id: int  # re-checked: the presser's brand's, still offered


@dataclass(frozen=True, slots=True)
class ShopAction(CallbackData):
    prefix: ClassVar[str] = "ua"
    action: str  # a commerce.shop.Intent value (ask); cards sent before the checkout say buy or reserve
    product_id: int  # re-checked; the presser must be a member (the card is in their own chat)
# --- checkout and orders (handlers/checkout.py in the consumer bot, handlers/orders.py in
# both). A checkout's buttons name its id and step; the state is in the checkout table.


@dataclass(frozen=True, slots=True)
class CheckoutStart(CallbackData):
    """Buy, or Reserve for pickup, on a product's card: starts the member's checkout."""

    prefix: ClassVar[str] = "bu"
    product_id: int  # re-checked: the presser's brand's, on sale
    reserve: bool  # True: reserve for pickup (no fulfilment step)


# Cards sent before Buy and Reserve started the checkout carry ShopAction("buy" / "reserve"):
# they start it too, so a card already in a member's chat keeps working.
LEGACY_START_PATTERN = rf"^{ShopAction.prefix}:(buy|reserve):"


def checkout_start_of(data: str | None) -> CheckoutStart | None:
    """A press that starts a checkout: CheckoutStart, or an older card's Buy / Reserve."""
    start = CheckoutStart.unpack(data)
    if start is not None:
        return start
    legacy = ShopAction.unpack(data)
    if legacy is None or legacy.action not in ("buy", "reserve"):
        return None
    return CheckoutStart(legacy.product_id, legacy.action == "reserve")


@dataclass(frozen=True, slots=True)
class CheckoutStep(CallbackData):
    prefix: ClassVar[str] = "bx"
    checkout_id: int  # re-checked: the presser's own open checkout
    step: str  # a commerce.checkout_steps.Step value: must be the checkout's current step
    choice: str  # a variant id, a quantity, a Fulfilment value, back, cancel, reward_on/off, place


@dataclass(frozen=True, slots=True)
class OrderDesk(CallbackData):
    """The associate's order card and lists in the staff bot."""

    prefix: ClassVar[str] = "od"
    order_id: int  # re-checked: an order the presser may see (commerce.access.sees_order)
    action: str  # open, confirm, propose, decline; anything else shows the card
    arg: int  # propose: a variant id (0: list them); decline: a reason's number (0: list them)


@dataclass(frozen=True, slots=True)
class OrderAnswer(CallbackData):
    """The member's answer to another SKU proposed for their order."""

    prefix: ClassVar[str] = "oa"
    order_id: int  # re-checked: the presser's own order
    accept: bool


@dataclass(frozen=True, slots=True)
class OrdersPage(CallbackData):
    prefix: ClassVar[str] = "op"
    page: int  # of the presser's own /orders
