"""Counting what a storelink process asks of its database and its backends, by side.

    tally = Tally()
    monkeypatch.setattr(process, "open_backends", tally.counted(process.open_backends))
    ... start the stack; tally.watch(stack.runtime.database.engine); tally.reset() ...

Every call to a backend port (dedupe, limiter, queue, lock) goes through one wrapper on
both kinds of backends, so in-process and Redis backends count the same operations; on
Redis the commands each operation sent are counted too (a pipeline is one round trip).
Database statements are counted with SQLAlchemy's before_cursor_execute.

The side is told by the task doing the work, by its outermost coroutine:
- inbound: the poller (getUpdates, recording the update) and an update's handling;
- sending: the delivery of a chat's job, and the sender loop's read of the queue when it
  brought jobs (its idle reads, sweeps and reclaims are periodic, not per message);
- other: the periodic loops (recovery sweeps, album sweeps) and the test's own polling;
  reported, not budgeted.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

INBOUND_ROOTS = {"Polling.poll", "Ingress._handle_in_chat_order", "Ingress._keep_lease"}
SENDING_ROOTS = {"Sender._deliver_job"}
SENDER_LOOP = "Sender.run"

_commands: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("commands", default=None)


def _root() -> str:
    task = asyncio.current_task()
    if task is None:
        return ""
    code = getattr(task.get_coro(), "cr_code", None)
    return code.co_qualname if code is not None else ""


def side() -> str:
    root = _root()
    if root in INBOUND_ROOTS:
        return "inbound"
    if root in SENDING_ROOTS:
        return "sending"
    return "loop" if root == SENDER_LOOP else "other"


@dataclasses.dataclass
class Side:
    statements: list[str] = dataclasses.field(default_factory=list)
    operations: list[str] = dataclasses.field(default_factory=list)
    commands: list[str] = dataclasses.field(default_factory=list)  # Redis round trips
    transactions: list[str] = dataclasses.field(default_factory=list)  # BEGIN and COMMIT

    def report(self, name: str) -> str:
        counts = (f"{name}: {len(self.statements)} database statements (+ {len(self.transactions)} BEGIN/COMMIT), "
                  f"{len(self.commands)} Redis commands, {len(self.operations)} backend operations")
        lines = [counts]
        lines += [f"  db    {s}" for s in self.statements]
        lines += [f"  redis {c}" for c in self.commands]
        lines += [f"  op    {o}" for o in self.operations]
        return "\n".join(lines)


class Tally:
    def __init__(self) -> None:
        self.sides: dict[str, Side] = {}
        self.reset()

    def reset(self) -> None:
        self.sides = {"inbound": Side(), "sending": Side(), "other": Side()}

    def operations(self, name: str) -> Counter[str]:
        """Every side's calls of one port method, e.g. "limiter.reserve"."""
        return Counter(o for s in self.sides.values() for o in s.operations if o == name)

    # --- the database ------------------------------------------------------------------

    def watch(self, engine: Any) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        # BEGIN and COMMIT are round trips on PostgreSQL without being statements SQLAlchemy
        # executes (SQLite's BEGIN IMMEDIATE is one, and is counted above).
        event.listen(engine.sync_engine, "begin", lambda _conn: self._transaction("BEGIN"))
        event.listen(engine.sync_engine, "commit", lambda _conn: self._transaction("COMMIT"))

    def _transaction(self, what: str) -> None:
        where = side()
        self.sides["other" if where == "loop" else where].transactions.append(what)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        where = side()
        self.sides["other" if where == "loop" else where].statements.append(_summary(statement))

    # --- the backends ------------------------------------------------------------------

    def counted(self, open_backends: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def opened(*args: Any, **kwargs: Any) -> Any:
            backends = await open_backends(*args, **kwargs)
            if backends.kind == "redis":
                self._hook(backends.dedupe._redis)
            return dataclasses.replace(backends, **{
                port: _Counted(getattr(backends, port), port, self) for port in ("dedupe", "limiter", "queue", "lock")})
        return opened

    def _hook(self, redis: Any) -> None:
        execute, pipeline = redis.execute_command, redis.pipeline

        async def execute_command(*args: Any, **options: Any) -> Any:
            self._command(str(args[0]).upper())
            return await execute(*args, **options)

        def counted_pipeline(*args: Any, **kwargs: Any) -> Any:
            pipe = pipeline(*args, **kwargs)
            run = pipe.execute

            async def execute_pipe(*a: Any, **k: Any) -> Any:
                self._command("PIPELINE[" + ",".join(str(c[0][0]).upper() for c in pipe.command_stack) + "]")
                return await run(*a, **k)

            pipe.execute = execute_pipe
            return pipe

        redis.execute_command, redis.pipeline = execute_command, counted_pipeline

    def _command(self, name: str) -> None:
        sent = _commands.get()
        if sent is not None:
            sent.append(name)
        else:  # outside any port (opening the backends)
            self.sides["other"].commands.append(name)

    def _operation(self, name: str, sent: list[str], result: Any) -> None:
        where = side()
        if where == "loop":  # the sender loop: only a read of the queue that brought jobs is per message
            where = "sending" if name == "queue.consume" and result else "other"
        target = self.sides[where]
        target.operations.append(name)
        target.commands += [f"{c} ({name})" for c in sent]


class _Counted:
    def __init__(self, port: Any, name: str, tally: Tally) -> None:
        self._port, self._name, self._tally = port, name, tally

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._port, attribute)
        if not asyncio.iscoroutinefunction(value):
            return value
        name = f"{self._name}.{attribute}"

        async def call(*args: Any, **kwargs: Any) -> Any:
            sent: list[str] = []
            token = _commands.set(sent)
            try:
                result = await value(*args, **kwargs)
            finally:
                _commands.reset(token)
            self._tally._operation(name, sent, result)
            return result

        return call


def _summary(statement: str, width: int = 110) -> str:
    """The statement on one line, cut short: enough to say where it comes from."""
    line = " ".join(statement.split())
    return line if len(line) <= width else line[:width] + " ..."
