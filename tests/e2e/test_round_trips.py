"""What one relayed message costs in round trips: a member's text, end to end, counted on
the inbound side (getUpdates -> intake -> handling -> outbox row) and on the sending side
(the sender's job -> sendMessage -> the row settled), separately.

The budgets are today's counts: a change that adds a statement or a command fails here,
and one that removes some lowers them. The targets of the hot-path work are 4 database
statements and 4 Redis commands inbound, 3 and 3 sending.
Both stacks run (SQLite + in-process backends, PostgreSQL + Redis); backend operations
are counted through the same wrapper on both, Redis commands on Redis.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime import process
from tests.e2e.round_trips import Tally
from tests.e2e.scenario import associate_reads, enrol, member_says, open_shop, settle

# Today's counts; the targets are <= 4 statements and <= 4 Redis commands inbound, <= 3
# and <= 3 sending. SQLite adds a BEGIN IMMEDIATE per transaction of more than one
# statement (1 inbound, 0 sending).
# Inbound: INSERT inbound_update (record), UPDATE inbound_update (claim, count the attempt),
# SELECT member+link+associate+store (identify), INSERT outbox with the UPDATE
# inbound_update (done) in front of it (one statement on PostgreSQL, two on SQLite), INSERT
# conversation_message; the brand is kept between reads (BrandCopy). Redis: SET NX + EVALSHA
# (the chat's ingress lease), XADD (the sender's job).
INBOUND_STATEMENTS = {"sqlite+memory": 7, "postgres+redis": 5}
INBOUND_REDIS = 3
INBOUND_OPERATIONS = 3  # lock.acquire, queue.publish, lock.release
# Sending: SELECT outbox (the chat's pending rows), UPDATE outbox (settled); Redis: one
# XREADGROUP (after an idle wait the lanes are waited on at once; else a script reads them
# in order), SET NX (the chat's lease), EVALSHA (the limiter's slot with the attempt mark),
# EVALSHA (the lease released with the settled rows' marks), XACK+XDEL in one pipeline.
SENDING_STATEMENTS = {"sqlite+memory": 2, "postgres+redis": 2}
SENDING_REDIS = 5
SENDING_OPERATIONS = 5  # queue.consume, lock.acquire, limiter.reserve_and_mark, lock.release_and_forget, queue.ack


@pytest.fixture(autouse=True)
def tally(monkeypatch: pytest.MonkeyPatch) -> Tally:
    counted = Tally()
    monkeypatch.setattr(process, "open_backends", counted.counted(process.open_backends))
    return counted


async def test_a_relayed_member_text_stays_within_its_round_trip_budget(stack, stack_kind, tally):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    tally.watch(stack.runtime.database.engine)
    await asyncio.sleep(0.5)  # what enrolment left running has ended
    tally.reset()

    await member_says(stack, alice, "Do you have the navy scarf?")
    await associate_reads(stack, shop.bob_user, "navy scarf")
    await settle(stack)

    inbound, sending = tally.sides["inbound"], tally.sides["sending"]
    print(f"\n[{stack_kind}]\n{inbound.report('inbound')}\n{sending.report('sending')}\n"
          f"{tally.sides['other'].report('periodic loops (not budgeted)')}")
    assert len(inbound.statements) <= INBOUND_STATEMENTS[stack_kind]
    assert len(inbound.operations) <= INBOUND_OPERATIONS
    assert len(sending.statements) <= SENDING_STATEMENTS[stack_kind]
    assert len(sending.operations) <= SENDING_OPERATIONS
    if stack_kind == "postgres+redis":
        assert len(inbound.commands) <= INBOUND_REDIS
        assert len(sending.commands) <= SENDING_REDIS
    assert inbound.statements and sending.statements, "both sides were seen"
