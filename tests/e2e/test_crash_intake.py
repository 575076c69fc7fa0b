"""A process that takes updates dies mid-burst: per-chat order holds across the crash.

Given four members of two associates and a storelink process (a real OS process, polling
the sandbox and delivering, on the stack's database and Redis namespace) that is killed
with SIGKILL while it has recorded updates it has not handled yet, and holds the leases
of the chats it was handling. A second process then takes over (the same configuration,
as a restart or a surviving replica would).

Then every member's messages reach their associate, each at least once, in the order
written: the updates the dead process recorded go first (whoever records a chat's later
updates handles the chat's oldest unhandled one first), and the dead process's leases
stall its chats for seconds (they are short and were only renewed while it lived), not
the two minutes a claim used to last. A copy may repeat only the message just before it
(the dead process may have sent it without recording that it did).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from storage.backends import SendLimits
from tests.e2e.processes import CrashingProcess, Team, assert_complete_and_in_order, copies, delivered, seed_team, until, write

MEMBERS, PER_MEMBER = 4, 25  # 100 messages
SENDER_LEASE = 4.0
LIMITS = SendLimits(global_rate=200.0, global_burst=50, per_chat_rate=50.0, per_chat_burst=10)


@pytest.fixture
def stack_limits() -> SendLimits:
    return LIMITS


@pytest.fixture
def stack_options() -> dict[str, Any]:
    # The test's own process takes no updates and sends nothing until the victim is dead:
    # one poller per bot (Telegram allows no more), one sender per SQLite file.
    # A dead sender's chats come back after SENDER_LEASE (the sender's own crash test is
    # test_crash.py); what is tested here is the updates' side.
    return {"take_updates": False, "run_sender": False, "serve_http": False, "sender_lease": SENDER_LEASE,
            "sender_sweep_every": 1.0}


async def inbox_counts(stack) -> dict[str, int]:
    async with stack.runtime.services.uow() as uow:
        rows = (await uow.session.execute(sa.text("SELECT status, count(*) FROM inbound_update GROUP BY status"))).all()
    return {status: n for status, n in rows}


async def test_a_chats_updates_keep_their_order_when_the_process_taking_them_is_killed(stack, tmp_path):
    victim = CrashingProcess(stack, tmp_path / "victim.log", only=None, limits=LIMITS, lease=SENDER_LEASE,
                             name="intake-victim", run_scheduler=False)
    await victim.start()
    try:
        team: Team = await seed_team(stack, associates=2, members=MEMBERS)
        burst = asyncio.create_task(write(stack, team, range(MEMBERS), range(1, PER_MEMBER + 1)))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30.0
        while True:  # kill it while it holds recorded updates it has not handled
            counts = await inbox_counts(stack)
            if counts.get("received", 0) >= 3 and counts.get("done", 0) >= 10:
                break
            assert loop.time() < deadline, f"no backlog to crash on: {counts}"
            await asyncio.sleep(0.01)
        await victim.kill()
        left = (await inbox_counts(stack)).get("received", 0)
        await burst
    finally:
        await victim.close()
    assert left >= 1

    survivor = await stack.start_another_process(take_updates=True, run_sender=True, recover_after=2.0)
    try:
        await until(lambda: delivered(stack, team) == MEMBERS * PER_MEMBER, 60.0, "every message delivered")
    except AssertionError:
        async with stack.runtime.services.uow() as uow:
            outbox = (await uow.session.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status"))).all()
        raise AssertionError(f"delivered {delivered(stack, team)}; inbox {await inbox_counts(stack)}; outbox {outbox}") from None

    expected = {f"m{n:02d}": list(range(1, PER_MEMBER + 1)) for n in range(MEMBERS)}
    assert_complete_and_in_order(copies(stack, team), team, expected)
    assert (await inbox_counts(stack)).get("received", 0) == 0
    assert survivor.ingress is not None
