"""Stopping a process gracefully, and within bounds.

Stop taking updates, let the work in flight finish within `Options.stop_grace` seconds,
cancel whatever is left, and close the bots, the backends and the database only once
nothing of this process uses them any more. An update cancelled here stays in the inbox
(the recovery sweep of another process, or of the next one, handles it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from telegram.error import NetworkError

if TYPE_CHECKING:
    from bot.runtime.process import Runtime

log = logging.getLogger("storelink.runtime")
# Seconds a cancelled task gets to roll back and hand its connection back before the
# database is closed under it (a SQLite statement already running cannot be interrupted).
CANCEL_WAIT = 5.0


class Stopping:
    """The stop protocol over a runtime's parts, read when it runs (a start that failed
    half-way leaves some of them None) and `loops`, the runtime's background tasks."""

    def __init__(self, runtime: Runtime, loops: list[asyncio.Task[Any]]) -> None:
        self.runtime, self.loops = runtime, loops
        self.under_way = False
        self._stopped = asyncio.Event()
        self._winding: set[asyncio.Future[Any]] = set()  # the parts' own stops, under way

    async def stop(self, grace: float) -> None:
        """A second call waits for the first."""
        if self.under_way:
            await self._stopped.wait()
            return
        self.under_way = True
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self._stop_taking_work()
            await self._finish_work_in_flight(started + grace)
            await self._cancel_the_rest(loop.time() - started)
        finally:
            await self._close()
            self._stopped.set()

    async def _stop_taking_work(self) -> None:
        runtime = self.runtime
        if runtime.http_server:  # no new webhook updates: Telegram keeps them and delivers them again
            await runtime.http_server.cleanup()
            runtime.http_server = None
        for task in self.loops:
            if task.get_name().startswith(("poll-", "recover")):
                # Cancelled once, never again: a task cancelled a second time while SQLAlchemy
                # closes its connection leaves that close waiting forever (and the event loop
                # with it). An update a poller was recording is delivered again by Telegram.
                task.cancel()

    async def _finish_work_in_flight(self, deadline: float) -> None:
        """The parts wind down in order, each within what is left of the grace: updates
        being handled (they may start album timers and queue replies), albums, timed jobs,
        then the sender delivers the replies just queued."""
        runtime = self.runtime
        loop = asyncio.get_running_loop()

        def left() -> float:
            return max(deadline - loop.time(), 0.0)

        # A part's stop still waiting at the deadline ends once its tasks are cancelled.
        if runtime.scheduler:  # no new jobs; running ones finish
            self._winding.add(asyncio.ensure_future(runtime.scheduler.stop()))
        if runtime.ingress:
            await runtime.ingress.drain(timeout=left())
        if runtime.albums:  # waiting timers are dropped (a sweep relays their albums); flushes finish
            self._winding.add(asyncio.ensure_future(runtime.albums.stop()))
        if self._winding:
            await asyncio.wait(self._winding, timeout=left())
        if runtime.sender:
            await runtime.sender_idle(timeout=min(10.0, left()))  # replies to the updates just finished
            await runtime.sender.stop(timeout=left())

    def _work_in_flight(self) -> dict[asyncio.Task[Any], str]:
        """Every unfinished task of the runtime's parts, with what it is doing (for the log)."""
        runtime = self.runtime
        work: dict[asyncio.Task[Any], str] = {}
        if runtime.ingress:
            work |= {task: "an update being handled" for task in runtime.ingress.in_flight}
        if runtime.albums:
            work |= {task: "an album timer" for task in runtime.albums.waiting}
            work |= {task: "an album being relayed" for task in runtime.albums.flushing}
        if runtime.scheduler:
            work |= {task: "a timed job" for task in runtime.scheduler.in_flight}
        if runtime.sender:
            work |= {task: "a chat being delivered" for task in runtime.sender.in_flight}
        return {task: what for task, what in work.items() if not task.done()}

    async def _cancel_the_rest(self, waited: float) -> None:
        """Cancel, once each, what did not finish in the grace, and wait (boundedly) for the
        cancelled tasks to roll back and return their connections."""
        cut_short = self._work_in_flight()
        work = cut_short | {task: f"the {task.get_name()} loop" for task in self.loops if not task.done()}
        for task in work:
            if not task.cancelling():  # the pollers were cancelled first thing
                task.cancel()
        if cut_short:
            log.warning("stopping: cancelled %d unfinished tasks after %.1fs: %s",
                        len(cut_short), waited, ", ".join(sorted(cut_short.values())))
        self.loops.clear()
        if not work and not self._winding:
            return
        _, pending = await asyncio.wait(set(work) | self._winding, timeout=CANCEL_WAIT)
        if pending:
            log.error("stopping: %d tasks did not end within %.0fs of being cancelled (%s); closing anyway",
                      len(pending), CANCEL_WAIT, ", ".join(sorted(work.get(task, "a part's stop") for task in pending)))

    async def _close(self) -> None:
        runtime = self.runtime
        for app in runtime.applications.values():
            try:
                if app.running:  # a start that failed half-way initialised it without starting it
                    await app.stop()
                await app.shutdown()
            except (NetworkError, RuntimeError) as exc:
                log.warning("closing a bot: %s", exc)
        if runtime.sender:
            for bot in runtime.sender.bots.values():
                await bot.shutdown()
        if runtime.http_server:
            await runtime.http_server.cleanup()
        if runtime.backends:
            await runtime.backends.close()
        if runtime.database:
            await runtime.database.dispose()
