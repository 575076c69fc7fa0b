"""Our two bots, and the role a Telegram user has in them."""

from __future__ import annotations

from enum import StrEnum


class BotKind(StrEnum):
    CONSUMER = "consumer"  # the brand's bot that shoppers talk to
    ASSOCIATE = "associate"  # the staff bot for store associates and HQ operators


class Role(StrEnum):
    GUEST = "guest"  # a Telegram user we do not know yet
    MEMBER = "member"  # an enrolled consumer (consumer bot)
    ASSOCIATE = "associate"  # a store associate bound to a Telegram account (associate bot)
    HQ = "hq"  # a brand head-office operator (associate bot)
