"""The inbox and what people can send: any screened update is stored as screened, a
refusal of the values themselves is Unstorable (never confused with a database that is
out of reach), and a chat's oldest unhandled update is claimed first with its attempt
counted."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot

from bot.runtime.intake import screen
from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.ports.uow import Unstorable
from storage.uow import Database

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BOT = Bot("123:fake-token-for-parsing-only")
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)  # every plane, surrogates and NUL included


def update(update_id: int, chat_id: int, payload: dict | None = None, **fields) -> InboundUpdate:  # noqa: ANN003
    return InboundUpdate(BotKind.CONSUMER, update_id, payload or {"update_id": update_id}, NOW, chat_id=chat_id, **fields)


@pytest.mark.parametrize("database_kind", ["postgres"], indirect=True)
async def test_values_postgresql_refuses_are_unstorable_and_the_next_write_works(database: Database) -> None:
    for text in ("a\x00b", "half \ud83d"):
        async with database.single_statement() as uow:
            with pytest.raises(Unstorable):
                await uow.inbox.record(update(1, 5, {"update_id": 1, "text": text}))
    async with database.single_statement() as uow:
        assert await uow.inbox.record(update(1, 5)) is True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT, name=ANY_TEXT)
async def test_any_text_a_person_can_send_is_stored_once_screened(database: Database, text: str, name: str) -> None:
    raw = {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": text,
                                       "chat": {"id": 5, "type": "private", "first_name": name},
                                       "from": {"id": 5, "is_bot": False, "first_name": name or "x"}}}
    screened = screen(raw, BOT)
    assert screened.rejected is None and screened.chat_id == 5
    update_id = abs(hash((text, name))) % 10**9
    async with database.uow() as uow:
        assert await uow.inbox.record(update(update_id, 5, screened.payload)) is True
        await uow.commit()
    async with database.uow() as uow:
        stored = await uow.inbox.get(BotKind.CONSUMER, update_id)
    expected = re.sub("[\x00\ud800-\udfff]", "\ufffd", text)
    assert stored is not None and stored.payload["message"]["text"] == expected


async def test_a_chats_oldest_unhandled_update_is_claimed_first_and_its_attempts_counted(database: Database) -> None:
    async with database.uow() as uow:
        for update_id, chat in ((30, 5), (10, 5), (20, 6), (40, 5)):
            await uow.inbox.record(update(update_id, chat))
        await uow.commit()
        await uow.inbox.claim_done(BotKind.CONSUMER, 10, NOW)  # handled: not claimed again
        await uow.commit()

    async def claim(up_to: int) -> tuple[int, int] | None:
        async with database.single_statement() as uow:
            claimed = await uow.inbox.next_of_chat(BotKind.CONSUMER, 5, up_to)
            await uow.commit()
        return (claimed.update_id, claimed.attempts) if claimed else None

    assert await claim(40) == (30, 1)  # the oldest RECEIVED of chat 5, not 40 itself
    assert await claim(40) == (30, 2)  # still RECEIVED (its handler died): attempted again
    assert await claim(25) is None  # nothing of chat 5 at or below 25 is left
    async with database.uow() as uow:
        await uow.inbox.mark_failed(BotKind.CONSUMER, 30, NOW, "gave up")
        await uow.commit()
    assert await claim(40) == (40, 1)
    async with database.uow() as uow:
        assert (await uow.inbox.get(BotKind.CONSUMER, 20)).status is InboxStatus.RECEIVED  # another chat: untouched
