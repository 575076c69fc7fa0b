"""When a resent message may be a duplicate: the sender's doubt about one outbox row.

A copy can be in the chat twice only if an attempt reached Telegram and its answer never
came back: a timeout, a dropped connection, a worker that died between the call and
recording it. A refusal (429, 5xx) is an answer: nothing was delivered. The doubt is kept
in the dedupe store (here the in-process one) so that it outlives the worker.
"""

from __future__ import annotations

import httpx
from telegram.error import NetworkError, TimedOut

from bot.runtime.sender import Doubt, may_have_arrived
from storage.backends.memory import MemoryDeduplicator


def caused_by(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


def test_a_5xx_is_an_answer_and_a_lost_or_timed_out_response_is_not() -> None:
    assert not may_have_arrived(NetworkError("Bad Gateway"))
    assert may_have_arrived(caused_by(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")))
    assert may_have_arrived(caused_by(TimedOut(), httpx.ReadTimeout("slow")))


def test_a_request_that_never_left_cannot_have_arrived() -> None:
    assert not may_have_arrived(caused_by(TimedOut("Pool timeout"), httpx.PoolTimeout("busy")))
    assert not may_have_arrived(caused_by(TimedOut(), httpx.ConnectTimeout("no route")))
    assert not may_have_arrived(caused_by(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")))


async def test_a_row_sent_at_the_first_attempt_leaves_no_doubt_behind() -> None:
    marks = MemoryDeduplicator()
    doubt = Doubt(marks, 7)

    await doubt.before_attempt()
    await doubt.clear()

    assert doubt.copies == 0
    assert await marks.first_seen("outbox-attempt:7", 60), "the mark is gone once the row is settled"


async def test_each_lost_answer_is_one_possible_copy() -> None:
    doubt = Doubt(MemoryDeduplicator(), 7)

    for _ in range(2):
        await doubt.before_attempt()
        doubt.lost()
    await doubt.before_attempt()

    assert doubt.copies == 2


async def test_refusals_alone_never_count_even_for_the_next_worker() -> None:
    marks = MemoryDeduplicator()
    first = Doubt(marks, 7)
    await first.before_attempt()
    await first.refused()  # 429 or 5xx, then the run of failures leaves the row for later

    later = Doubt(marks, 7)
    await later.before_attempt()

    assert later.copies == 0


async def test_a_worker_that_died_mid_attempt_leaves_one_possible_copy_to_the_next() -> None:
    marks = MemoryDeduplicator()
    await Doubt(marks, 7).before_attempt()  # then SIGKILL: nothing recorded, nothing cleared

    survivor = Doubt(marks, 7)
    await survivor.before_attempt()
    await survivor.refused()  # its own refusal cannot undo what the dead worker may have sent
    await survivor.before_attempt()

    assert survivor.copies == 1
    assert not await marks.first_seen("outbox-attempt:7", 60), "kept until the row is settled"


async def test_without_a_dedupe_store_only_this_workers_lost_answers_count() -> None:
    doubt = Doubt(None, 7)

    await doubt.before_attempt()
    doubt.lost()
    await doubt.refused()
    await doubt.clear()

    assert doubt.copies == 1
