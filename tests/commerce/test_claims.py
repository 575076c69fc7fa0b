"""Escalations claimed and answered (commerce.claims): the first teammate to press Claim
takes it, gets the member's history and the other cards say who took it; a refusal
changes nothing; the claimer's answer reaches the member and the owner hears it; the
owner's own answer closes the escalation and the open cards say so."""

from __future__ import annotations

from dataclasses import dataclass

from commerce.associate_replies import reply_to_member
from commerce.availability import (
    Escalation,
    EscalationNotice,
    EscalationStatus,
    NoticeKind,
)
from commerce.bots import BotKind
from commerce.claims import claim_escalation
from commerce.escalation import Claimed, ClaimRefused, Refusal
from commerce.member_messages import relay_member_message
from commerce.messages import (
    CardClaimed,
    CardClosed,
    CardTaken,
    EscalationAnswered,
    History,
    RelayedOut,
)
from commerce.outbox import OutboxMessage, OutboxPurpose
from commerce.people import Associate, AssociateStatus
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    MARC_CHAT,
    NOW,
    People,
    step,
    text,
)
from tests.commerce.postbox import delivered
from tests.fixtures_db import T0

LINA_CHAT = 5_000_000_004
CARD_AS = 701  # the Telegram message id each teammate's card became in their chat
HISTORY_AS = 801  # the claimer's history message


@dataclass(frozen=True, slots=True)
class Team:
    lina: Associate
    escalation_id: int
    cards: dict[int, int]  # associate id -> the outbox row of their Claim card


async def _escalated(people: People, database: Database) -> Team:
    """Ana wrote to Claire, nobody answered: Marc and Lina got Claim cards."""
    async with step(database) as (uow, postbox):
        lina = await uow.associates.add(Associate(store_id=people.store.id, display_name="Lina", short_code="LINA1",
                                                  telegram_user_id=LINA_CHAT, created_at=T0, staff_bot_since=T0))
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Anyone?"), people.brand.id, NOW)
        message = await uow.conversations.by_relay_outbox(postbox.only().outbox_id)
        escalation = await uow.escalations.add(Escalation(member_id=people.ana.id, associate_id=people.claire.id,
                                                          store_id=people.store.id, message_id=message.id, opened_at=NOW))
        cards = {}
        for teammate in (people.marc, lina):
            card = await uow.outbox.add(OutboxMessage(BotKind.ASSOCIATE, teammate.telegram_user_id, "sendMessage",
                                                      {"text": "card"}, NOW, purpose=OutboxPurpose.NOTICE))
            await delivered(uow, card.id, CARD_AS, NOW)
            await uow.escalations.add_notice(EscalationNotice(escalation.id, teammate.id, card.id, NoticeKind.CARD))
            cards[teammate.id] = card.id
    return Team(lina, escalation.id, cards)


async def test_the_first_teammate_to_claim_takes_it_and_the_other_cards_say_so(people: People, database: Database) -> None:
    team = await _escalated(people, database)
    async with step(database) as (uow, postbox):
        result = await claim_escalation(uow, postbox, people.marc, team.escalation_id, CARD_AS, "en", NOW)

    assert isinstance(result, Claimed) and result.member.id == people.ana.id and result.owner.id == people.claire.id
    claimed, shown, taken = [p.message for p in postbox.posted]
    assert (claimed.bot, claimed.chat_id, claimed.body) == (BotKind.ASSOCIATE, MARC_CHAT,
                                                            CardClaimed("en", CARD_AS, result.member))
    assert shown.chat_id == MARC_CHAT and isinstance(shown.body, History) and [m.text for m in shown.body.messages] == ["Anyone?"]
    assert (taken.chat_id, taken.purpose) == (LINA_CHAT, OutboxPurpose.NOTICE)
    assert taken.body == CardTaken(team.lina, team.cards[team.lina.id], result.member, people.marc)
    async with database.uow() as uow:
        stored = await uow.escalations.get(team.escalation_id)
        notices = await uow.escalations.notices(team.escalation_id)
    assert (stored.status, stored.claimed_by) == (EscalationStatus.CLAIMED, people.marc.id)
    assert (people.marc.id, postbox.posted[1].outbox_id, NoticeKind.HISTORY) in [
        (n.associate_id, n.outbox_id, n.kind) for n in notices]


async def test_a_claim_already_taken_is_refused_and_changes_nothing(people: People, database: Database) -> None:
    team = await _escalated(people, database)
    async with step(database) as (uow, postbox):
        await claim_escalation(uow, postbox, people.marc, team.escalation_id, CARD_AS, "en", NOW)
    async with step(database) as (uow, postbox):
        late = await claim_escalation(uow, postbox, team.lina, team.escalation_id, CARD_AS, "en", NOW)
        again = await claim_escalation(uow, postbox, people.marc, team.escalation_id, CARD_AS, "en", NOW)

    assert isinstance(late, ClaimRefused) and late.reason == Refusal.TAKEN and late.claimer.id == people.marc.id
    assert isinstance(again, ClaimRefused) and again.reason == Refusal.YOURS
    assert postbox.posted == []
    async with database.uow() as uow:
        assert (await uow.escalations.get(team.escalation_id)).claimed_by == people.marc.id


async def test_the_owner_and_other_stores_cannot_claim(people: People, database: Database) -> None:
    team = await _escalated(people, database)
    async with step(database) as (uow, postbox):
        own = await claim_escalation(uow, postbox, people.claire, team.escalation_id, None, "en", NOW)
        elsewhere = await claim_escalation(uow, postbox, people.zoe, team.escalation_id, None, "en", NOW)
        unknown = await claim_escalation(uow, postbox, people.marc, team.escalation_id + 1000, None, "en", NOW)

    assert isinstance(own, ClaimRefused) and own.reason == Refusal.OWN_MEMBER
    assert elsewhere == ClaimRefused(Refusal.NOT_FOUND) and unknown == ClaimRefused(Refusal.NOT_FOUND)
    assert postbox.posted == []
    async with database.uow() as uow:
        assert (await uow.escalations.get(team.escalation_id)).status is EscalationStatus.OPEN


async def test_the_claimers_answer_reaches_the_member_and_the_owner_hears_it(people: People, database: Database) -> None:
    team = await _escalated(people, database)
    async with step(database) as (uow, postbox):
        await claim_escalation(uow, postbox, people.marc, team.escalation_id, CARD_AS, "en", NOW)
        history_row = postbox.posted[1].outbox_id
        await delivered(uow, history_row, HISTORY_AS, NOW)

    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.marc_staff, text(MARC_CHAT, 31, "I can help", reply_to=HISTORY_AS), NOW)

    answer, heard = [p.message for p in postbox.posted]
    assert (answer.chat_id, type(answer.body)) == (ANA_CHAT, RelayedOut) and answer.body.associate.id == people.marc.id
    assert (heard.bot, heard.chat_id, heard.purpose) == (BotKind.ASSOCIATE, CLAIRE_CHAT, OutboxPurpose.NOTICE)
    assert isinstance(heard.body, EscalationAnswered)
    assert (heard.body.owner.id, heard.body.by.id, heard.body.content.text) == (people.claire.id, people.marc.id, "I can help")
    async with database.uow() as uow:
        assert (await uow.escalations.get(team.escalation_id)).status is EscalationStatus.ANSWERED


async def test_the_owners_answer_closes_it_and_the_active_teammates_cards_say_so(people: People,
                                                                                database: Database) -> None:
    team = await _escalated(people, database)
    async with step(database) as (uow, postbox):
        team.lina.status = AssociateStatus.DEACTIVATED
        await uow.associates.update(team.lina)
    async with step(database) as (uow, postbox):
        relayed = await uow.conversations.of_member(people.ana.id, 1)
        await delivered(uow, relayed[0].relay_outbox_id, 501, NOW)
    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Sorry, here now", reply_to=501), NOW)

    answer, closed = [p.message for p in postbox.posted]
    assert answer.chat_id == ANA_CHAT
    assert (closed.chat_id, closed.purpose) == (MARC_CHAT, OutboxPurpose.NOTICE), "Lina left: her chat is not hers to edit"
    assert closed.body == CardClosed(people.marc, team.cards[people.marc.id], people.ana, people.claire)
    async with database.uow() as uow:
        assert (await uow.escalations.get(team.escalation_id)).status is EscalationStatus.CLOSED
