"""The recording Postbox is a Postbox: the same members, each with the same signature and
the same async-ness as the Protocol (tests/commerce/postbox.py also says so to a type
checker), so the use cases under test cannot lean on anything the real one lacks."""

from __future__ import annotations

import inspect

from commerce.bots import BotKind
from commerce.messages import Outbound, Postbox, Said
from commerce.outbox import OutboxPurpose
from storage.uow import Database
from tests.commerce.builders import NOW, step
from tests.commerce.postbox import RecordingPostbox


def _members(cls: type) -> dict[str, object]:
    return {name: value for name, value in vars(cls).items() if callable(value) and not name.startswith("_")}


def test_it_has_every_member_of_the_protocol_with_the_same_signature() -> None:
    port = _members(Postbox)
    assert set(port) == {"post", "first_of", "album_item_held"}
    for name, member in port.items():
        mine = getattr(RecordingPostbox, name)
        assert inspect.signature(mine) == inspect.signature(member), name
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(member), name


async def test_a_post_writes_a_real_outbox_row_and_keeps_the_domain_value(database: Database) -> None:
    message = Outbound(BotKind.ASSOCIATE, 42, Said("en", "relay.history_hint"), OutboxPurpose.NOTICE)
    async with step(database) as (uow, postbox):
        outbox_id = await postbox.post(message)
        assert await postbox.first_of("k", 60) and not await postbox.first_of("k", 60)
    async with database.uow() as uow:
        row = await uow.outbox.get(outbox_id)
    assert postbox.only().message == message and postbox.only().outbox_id == outbox_id
    assert row is not None and (row.bot, row.chat_id, row.purpose, row.created_at) == (BotKind.ASSOCIATE, 42,
                                                                                       OutboxPurpose.NOTICE, NOW)
