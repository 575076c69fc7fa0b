"""`storelink run` as an operator runs it: a real process, configured by environment,
answering over the sandbox, and stopping cleanly on SIGTERM."""

import asyncio
import secrets
import signal
from pathlib import Path

import pytest

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.conftest import free_port
from tests.e2e.processes import STORELINK, clean_env


async def test_a_placeholder_token_stops_start_up_with_one_line(tmp_path):
    env = clean_env(consumer_bot_token="changeme", associate_bot_token="654321:" + "b" * 35)
    process = await asyncio.create_subprocess_exec(*STORELINK, "run", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert stderr.decode().strip() == "storelink: STORELINK_CONSUMER_BOT_TOKEN is a placeholder, set the real value"


async def test_run_answers_and_stops_cleanly_on_sigterm(tmp_path):
    async with Sandbox(port=0) as sandbox:
        http_port = free_port()
        env = clean_env(
            consumer_bot_token=sandbox.create_bot("proc_shop_bot"),
            associate_bot_token=sandbox.create_bot("proc_staff_bot"),
            bot_api_url=sandbox.url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            http_port=str(http_port),
            signing_key=secrets.token_urlsafe(32),
        )
        created = await asyncio.create_subprocess_exec(*STORELINK, "db", "upgrade", cwd=tmp_path, env=env)
        assert await created.wait() == 0  # `run` uses a database, it does not create one
        process = await asyncio.create_subprocess_exec(*STORELINK, "run", cwd=tmp_path, env=env,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            async with SandboxClient(sandbox.url) as people:
                alice = (await people.create_user("Alice"))["id"]
                await people.send_text(alice, "proc_shop_bot", "/start")
                reply = await people.wait_for(alice, "proc_shop_bot", lambda m: True, timeout=30)
                assert "Welcome to Storelink Demo" in reply["text"]

            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = output.decode()
    assert process.returncode == 0, log
    assert "storelink: stopped" in log
    assert "Traceback" not in log
    for token in (env["STORELINK_CONSUMER_BOT_TOKEN"], env["STORELINK_ASSOCIATE_BOT_TOKEN"]):
        assert token not in log and token.split(":")[1] not in log
