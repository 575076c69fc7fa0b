"""The demo as a new user runs it, as processes: `make demo` moved off its default ports
(the sandbox's and the HTTP server's), `storelink chat` finding that demo through
var/demo.json without being told the port (and an explicit --sandbox still winning), and a
port that is taken said as such, with how to choose another, instead of a bind error."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import free_port

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BANNER = "Press Ctrl-C to stop."


def demo_env(**changes: str) -> dict[str, str]:
    """The environment of a new user's shell: no STORELINK_* of the developer's."""
    return {name: value for name, value in os.environ.items() if not name.startswith("STORELINK_")} | changes


@asynccontextmanager
async def running(command: list[str], cwd: Path, env: dict[str, str]) -> AsyncIterator[Path]:
    """The command running until it printed the demo's banner; yields its output file. It
    runs in a process group of its own, so that make and the demo under it stop together."""
    out = cwd / "demo.out"
    with out.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(*command, cwd=cwd, env=env, stdout=sink, stderr=asyncio.subprocess.STDOUT,
                                                       start_new_session=True)
    try:
        async with asyncio.timeout(120):  # a fresh database and ten people, on a busy machine
            while BANNER not in out.read_text(errors="replace"):
                assert process.returncode is None, f"the demo ended:\n{out.read_text(errors='replace')}"
                await asyncio.sleep(0.1)
        yield out
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)


async def chat(cwd: Path, *args: str) -> tuple[int, str]:
    """`storelink chat` in cwd, leaving at once (/quit)."""
    process = await asyncio.create_subprocess_exec(str(BIN / "storelink"), "chat", *args, cwd=cwd, env=demo_env(),
                                                   stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(b"/quit\n"), 60)
    return process.returncode, out.decode()


async def test_make_demo_moves_both_ports_and_the_chat_client_finds_the_demo(tmp_path: Path):
    sandbox_port, http_port = free_port(), free_port()
    # make as the README says, run from a fresh directory (the demo's var/ goes there); the
    # virtual environment is this one, already installed.
    command = ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed", "demo", f"BIN={BIN}",
               f"SANDBOX_PORT={sandbox_port}", f"STORELINK_HTTP_PORT={http_port}"]
    async with running(command, tmp_path, demo_env()) as out:
        printed = out.read_text()
        assert f"Bot API sandbox  http://127.0.0.1:{sandbox_port}" in printed
        assert f"http://127.0.0.1:{http_port}/healthz" in printed
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{http_port}/healthz") as health:
            assert health.status == 200
        about = json.loads((tmp_path / "var" / "demo.json").read_text())
        assert about["sandbox_url"] == f"http://127.0.0.1:{sandbox_port}"
        assert about["http_url"] == f"http://127.0.0.1:{http_port}"
        assert not [path.name for path in (tmp_path / "var").iterdir() if path.name.startswith(".demo-")], "no temporary file left"

        # The printed `storelink chat` commands, as printed: no port in them.
        code, shown = await chat(tmp_path, "--as", "alice")
        assert code == 0, shown
        assert "Alice (@alice) chatting with @MaisonLumiereBot" in shown
        code, shown = await chat(tmp_path, "--as", "bob")
        assert code == 0 and "chatting with @MaisonStaffBot" in shown, shown

        elsewhere = f"http://127.0.0.1:{free_port()}"
        code, shown = await chat(tmp_path, "--as", "alice", "--sandbox", elsewhere)
        assert code == 1 and f"cannot reach the sandbox at {elsewhere}" in shown, "an explicit --sandbox wins over var/demo.json"


@pytest.mark.parametrize(("taken", "says"), [
    ("sandbox", ["(the Bot API sandbox) is in use", "make demo SANDBOX_PORT=", "storelink demo --sandbox-port "]),
    ("http", ["(/healthz and /metrics) is in use", "make demo STORELINK_HTTP_PORT=", "storelink demo --http-port "]),
])
async def test_a_taken_port_is_named_with_how_to_move_it(tmp_path: Path, taken: str, says: list[str]):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        ports = {"sandbox": port, "http": free_port()} if taken == "sandbox" else {"sandbox": free_port(), "http": port}
        process = await asyncio.create_subprocess_exec(
            str(BIN / "storelink"), "demo", "--sandbox-port", str(ports["sandbox"]), cwd=tmp_path,
            env=demo_env(STORELINK_HTTP_PORT=str(ports["http"])), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:  # it started after all: a demo left running would hold its ports
                process.kill()
                await process.wait()

    said = err.decode()
    assert process.returncode == 2, said
    assert f"port {port} " in said
    for words in says:
        assert words in said, words
    assert "Traceback" not in said + out.decode()
    assert not (tmp_path / "var").exists(), "nothing was started"
