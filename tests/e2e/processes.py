"""storelink as operators run it, in OS processes of its own, and a burst of member
messages to push through them: what the process and crash tests share.

A burst's team is associates signed in to the associate bot and members linked to them
straight in the database (the enrollment flow is not what those tests look at); member
n writes "mNN #SSS" messages, so every copy in an associate's chat says whose message
it is and which one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import signal
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from commerce.people import Associate, Link, Member, Store
from storage.backends import SendLimits
from tests.conftest import chosen_transport
from tests.e2e.crash_sender import CONFIG_VARIABLE

STORELINK = [sys.executable, "-m", "bot.cli.main"]
REPO = Path(__file__).resolve().parents[2]
COPY = re.compile(r"\n(m\d{2}) #(\d{3})$")
VICTIM = "crash-victim"


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORELINK_")}
    return env | {"STORELINK_BOT_TRANSPORT": chosen_transport()} | {f"STORELINK_{k.upper()}": v for k, v in values.items()}


# --- a process to kill ----------------------------------------------------------------


class CrashingProcess:
    """A storelink process to kill, as an OS process on the stack's configuration: by
    default the second sender (`--only sender`, PostgreSQL + Redis); with only=None, a
    whole `storelink run` that takes updates too."""

    def __init__(self, stack, log_path: Path, *, limits: SendLimits, lease: float, sweep: float = 1.0,
                 only: str | None = "sender", name: str = VICTIM, **options: Any) -> None:
        self.stack, self.log_path = stack, log_path
        self.only, self.limits, self.lease, self.sweep, self.name, self.options = only, limits, lease, sweep, name, options
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        options = self.stack.options
        config = {
            "only": self.only,
            "settings": self.stack.settings_overrides,
            "limits": dataclasses.asdict(self.limits),
            "options": {"namespace": options.namespace, "sender_name": self.name, "sender_lease": self.lease,
                        "sender_sweep_every": self.sweep, "sender_backoff": options.sender_backoff, **self.options},
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORELINK_")} | {CONFIG_VARIABLE: json.dumps(config)}
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.e2e.crash_sender", cwd=REPO,
                                                                env=env, stdout=log, stderr=log)
        await until(lambda: "storelink is running" in self.log() or self.process.returncode is not None, 30.0)
        assert self.process.returncode is None, self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def holds_work(self) -> bool:
        """Jobs it took and has not acknowledged: what its death strands in Redis."""
        from redis.asyncio import Redis

        redis = Redis.from_url(self.stack.settings_overrides["redis_url"], decode_responses=True)
        try:
            pending = await redis.xpending_range(f"{self.stack.options.namespace}:queue:send", "senders", min="-", max="+",
                                                 count=10, consumername=self.name)
        finally:
            await redis.aclose()
        return bool(pending)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        assert self.process.returncode == -signal.SIGKILL

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        assert "Traceback" not in self.log(), self.log()


# --- a burst: its team, its messages and their copies ----------------------------------


@dataclasses.dataclass
class Team:
    associates: list[int]  # Telegram user ids, in the order members are dealt to them
    members: list[int]

    def associate_of(self, member_index: int) -> int:
        return self.associates[member_index % len(self.associates)]


async def seed_team(stack, associates: int, members: int) -> Team:
    """Associates signed in to the associate bot (/start, as people do) and members linked
    to them straight in the database: the enrollment flow is not what is tested here."""
    services = stack.runtime.services
    now = services.clock.now()
    associate_users = [await stack.person(f"Sa{n}") for n in range(associates)]
    member_users = [await stack.person(f"M{n:02d}") for n in range(members)]
    async with services.uow() as uow:
        store = await uow.stores.add(Store(brand_id=services.brand.id, code="CR1", name="Crash Street"))
        team = [await uow.associates.add(Associate(store_id=store.id, display_name=f"Sa{n}", short_code=f"CRASH{n}",
                                                         telegram_user_id=user)) for n, user in enumerate(associate_users)]
        for n, user in enumerate(member_users):
            associate = team[n % associates]
            member = await uow.members.add(Member(brand_id=services.brand.id, telegram_user_id=user, first_name=f"M{n:02d}",
                                                  enrolled_at=now, store_id=store.id, source_associate_id=associate.id))
            await uow.links.add(Link(member_id=member.id, associate_id=associate.id, started_at=now))
        await uow.commit()
    for user in associate_users:
        assert "Crash Street" in (await stack.reply_to(user, stack.associate_bot, "/start"))["text"]
    return Team(associate_users, member_users)


async def write(stack, team: Team, members: range, sequence: range) -> None:
    """Each member writes their messages one after another; all members at once."""

    async def one(n: int) -> None:
        for seq in sequence:
            await stack.people.send_text(team.members[n], stack.consumer_bot, f"m{n:02d} #{seq:03d}")

    await asyncio.gather(*(one(n) for n in members))


def copies(stack, team: Team) -> dict[int, list[tuple[str, int, float]]]:
    """Per associate chat, the relayed copies in the order the chat shows them:
    (member, sequence number, when the sandbox stored it)."""
    out: dict[int, list[tuple[str, int, float]]] = {}
    for user in team.associates:
        chat = stack.sandbox.people.chat(user, stack.associate_bot)
        out[user] = [(found[1], int(found[2]), m.created_at) for m in chat.messages.values()
                     if m.from_bot and (found := COPY.search(m.text or ""))]
    return out


def delivered(stack, team: Team) -> int:
    """Messages that reached their associate at least once."""
    return len({(member, seq) for chat in copies(stack, team).values() for member, seq, _ in chat})


async def until(condition, timeout: float, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"{what} not reached within {timeout}s"
        await asyncio.sleep(0.05)


def assert_complete_and_in_order(chats, team: Team, expected: dict[str, list[int]]) -> None:
    """Every member's messages in their own associate's chat, each at least once, and in
    the order written: a resent copy can only repeat the message just before it."""
    for user, chat in chats.items():
        by_member: dict[str, list[int]] = defaultdict(list)
        for member, seq, _ in chat:
            by_member[member].append(seq)
        for member, seqs in by_member.items():
            assert user == team.associate_of(int(member[1:])), f"{member} reached another associate's chat"
            assert seqs == sorted(seqs), f"{member}'s messages out of order: {seqs}"
            assert sorted(set(seqs)) == expected[member], f"{member}: got {sorted(set(seqs))}"
        assert set(by_member) == {m for m in expected if team.associate_of(int(m[1:])) == user}
