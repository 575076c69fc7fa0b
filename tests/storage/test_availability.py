"""Availability and escalations in SQL, on SQLite and PostgreSQL: the races that matter
are settled by single statements. Two claims of one escalation at once: exactly one wins.
Two auto-replies to one member within the window: exactly one is recorded. The same
unanswered run escalated twice: the second insert fails."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from commerce.availability import Availability, Escalation, EscalationStatus
from commerce.conversations import Direction, MessageKind
from commerce.escalation import ClaimRefused, Refusal, after_answer, claim
from commerce.people import Associate, AssociateStatus, Link
from commerce.ports.uow import DuplicateError
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member, a_message

IN, OUT = Direction.IN, Direction.OUT


async def _teammates_and_escalation(shop: Shop, database: Database) -> tuple[list[Associate], Escalation]:
    async with database.uow() as uow:
        team = [await uow.associates.add(Associate(store_id=shop.store.id, display_name=name, short_code=f"{name}1",
                                                   telegram_user_id=5_000_000_100 + n, created_at=T0))
                for n, name in enumerate(("Lina", "Carol"))]
        member = await uow.members.add(a_member(shop))
        await uow.links.add(Link(member_id=member.id, associate_id=shop.associate.id, started_at=T0))
        message = await uow.conversations.add(a_message(member.id, shop.associate.id, 1))
        escalation = await uow.escalations.add(Escalation(member_id=member.id, associate_id=shop.associate.id,
                                                          store_id=shop.store.id, message_id=message.id, opened_at=T0))
        await uow.commit()
    return team, escalation


async def test_two_associates_claiming_at_once_exactly_one_wins(shop: Shop, database: Database) -> None:
    (lina, carol), escalation = await _teammates_and_escalation(shop, database)
    both_tried = asyncio.Event()
    tried = 0

    async def press(associate: Associate) -> bool:
        nonlocal tried
        async with database.uow() as uow:
            won = await uow.escalations.claim(escalation.id, associate.id, T0 + timedelta(minutes=31))
            tried += 1
            if tried == 2:
                both_tried.set()
            # Hold the transaction open until the other has tried too (or is blocked behind us).
            try:
                await asyncio.wait_for(both_tried.wait(), 0.5)
            except TimeoutError:
                pass
            await uow.commit()
            return won

    results = await asyncio.gather(press(lina), press(carol))

    assert sorted(results) == [False, True]
    winner = (lina, carol)[results.index(True)]
    async with database.uow() as uow:
        stored = await uow.escalations.get(escalation.id)
    assert (stored.status, stored.claimed_by) == (EscalationStatus.CLAIMED, winner.id)
    assert stored.claimed_at == T0 + timedelta(minutes=31)


async def test_a_claimed_or_settled_escalation_cannot_be_claimed_again(shop: Shop, database: Database) -> None:
    (lina, carol), escalation = await _teammates_and_escalation(shop, database)
    async with database.uow() as uow:
        assert await uow.escalations.claim(escalation.id, lina.id, T0)
        assert not await uow.escalations.claim(escalation.id, carol.id, T0)
        assert not await uow.escalations.claim(escalation.id, lina.id, T0)
        await uow.escalations.set_status(escalation.id, EscalationStatus.ANSWERED, T0 + timedelta(minutes=5))
        await uow.commit()
    async with database.uow() as uow:
        stored = await uow.escalations.get(escalation.id)
        assert (stored.status, stored.answered_at, stored.claimed_by) == (EscalationStatus.ANSWERED, T0 + timedelta(minutes=5), lina.id)
        assert await uow.escalations.of_store(shop.store.id, (EscalationStatus.OPEN, EscalationStatus.CLAIMED)) == []


async def test_one_unanswered_run_is_escalated_once_and_one_member_has_one_open_escalation(shop: Shop, database: Database) -> None:
    _, escalation = await _teammates_and_escalation(shop, database)
    async with database.uow() as uow:
        later = await uow.conversations.add(a_message(escalation.member_id, shop.associate.id, 2))
        with pytest.raises(DuplicateError):  # the same run, from a second process
            await uow.escalations.add(Escalation(member_id=escalation.member_id, associate_id=shop.associate.id,
                                                 store_id=shop.store.id, message_id=escalation.message_id, opened_at=T0))
        with pytest.raises(DuplicateError):  # another message while one is open
            await uow.escalations.add(Escalation(member_id=escalation.member_id, associate_id=shop.associate.id,
                                                 store_id=shop.store.id, message_id=later.id, opened_at=T0))
        await uow.escalations.set_status(escalation.id, EscalationStatus.CLOSED, T0)
        again = await uow.escalations.add(Escalation(member_id=escalation.member_id, associate_id=shop.associate.id,
                                                     store_id=shop.store.id, message_id=later.id, opened_at=T0))
        await uow.commit()
    assert again.id is not None and again.status is EscalationStatus.OPEN


async def test_waiting_members_start_at_their_first_message_since_the_last_answer(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana, ben, cleo = [await uow.members.add(a_member(shop, 7_000_000_001 + n, first_name=name))
                          for n, name in enumerate(("Ana", "Ben", "Cleo"))]
        # Ana: asked, was answered, asked twice more (then edited). Ben: answered last. Cleo: escalated already.
        ana_messages = [await uow.conversations.add(a_message(ana.id, shop.associate.id, n, direction))
                        for n, direction in enumerate((IN, OUT, IN, IN))]
        await uow.conversations.add(a_message(ana.id, shop.associate.id, 4, IN, kind=MessageKind.EDIT, text="edited"))
        for n, direction in enumerate((IN, OUT)):
            await uow.conversations.add(a_message(ben.id, shop.associate.id, 10 + n, direction))
        cleos = await uow.conversations.add(a_message(cleo.id, shop.associate.id, 20))
        await uow.escalations.add(Escalation(member_id=cleo.id, associate_id=shop.associate.id, store_id=shop.store.id,
                                             message_id=cleos.id, opened_at=T0))
        await uow.commit()
    async with database.uow() as uow:
        waiting = await uow.escalations.waiting(T0 - timedelta(days=7), T0 + timedelta(days=1), 10)
        too_early = await uow.escalations.waiting(T0 - timedelta(days=7), ana_messages[2].created_at, 10)
    assert [(w.member_id, w.first_message_id, w.first_at) for w in waiting] == [
        (ana.id, ana_messages[2].id, ana_messages[2].created_at)]
    assert too_early == []


async def test_an_auto_reply_is_recorded_once_per_window_even_when_two_try_at_once(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        await uow.commit()
    window = timedelta(hours=12)

    async def try_at(at):  # type: ignore[no-untyped-def]
        async with database.uow() as uow:
            recorded = await uow.availability.claim_auto_reply(member.id, shop.associate.id, at, at - window)
            await uow.commit()
            return recorded

    assert sorted(await asyncio.gather(try_at(T0), try_at(T0))) == [False, True]
    assert await try_at(T0 + timedelta(hours=11, minutes=59)) is False
    assert await try_at(T0 + window) is True
    assert await try_at(T0 + window + timedelta(hours=1)) is False


async def test_an_associates_availability_is_saved_and_replaced(shop: Shop, database: Database) -> None:
    until = T0 + timedelta(days=3)
    async with database.uow() as uow:
        assert await uow.availability.get(shop.associate.id) is None
        await uow.availability.save(Availability(shop.associate.id, T0, hours="Mon-Fri 10:00-19:00"))
        await uow.availability.save(Availability(shop.associate.id, T0, hours="Mon-Fri 10:00-19:00", away_until=until,
                                                 away_note="Milan <fair>"))
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.availability.get(shop.associate.id) == Availability(
            shop.associate.id, T0, hours="Mon-Fri 10:00-19:00", away_until=until, away_note="Milan <fair>")


async def test_an_answer_settles_the_escalation_and_tells_only_an_owner_still_at_work(shop: Shop, database: Database) -> None:
    (lina, _), escalation = await _teammates_and_escalation(shop, database)
    async with database.uow() as uow:
        assert await uow.escalations.claim(escalation.id, lina.id, T0)
        owner = await uow.associates.get(shop.associate.id)
        owner.status = AssociateStatus.DEACTIVATED  # the owner left after the escalation was opened
        await uow.associates.update(owner)
        member = await uow.members.get(escalation.member_id)
        settled = await after_answer(uow, member, lina, T0 + timedelta(minutes=40))
        await uow.commit()

    assert [(s.status, s.owner) for s in settled] == [(EscalationStatus.ANSWERED, None)], "a former associate hears nothing"


async def test_a_claim_that_crosses_the_owners_answer_is_told_the_member_was_answered(shop: Shop, database: Database) -> None:
    (lina, _), escalation = await _teammates_and_escalation(shop, database)
    async with database.uow() as uow:
        repository = uow.escalations
        take = repository.claim

        async def answered_just_before(escalation_id: int, associate_id: int, at: datetime) -> bool:
            await repository.set_status(escalation_id, EscalationStatus.CLOSED, at)  # the owner's answer got in first
            return await take(escalation_id, associate_id, at)

        repository.claim = answered_just_before  # type: ignore[method-assign]
        result = await claim(uow, lina, escalation.id, T0 + timedelta(minutes=31))

    assert isinstance(result, ClaimRefused) and result.reason == Refusal.DONE and result.member is not None
