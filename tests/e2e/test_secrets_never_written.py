"""Nothing a storelink process writes, at DEBUG, on any path, shows a bot token, the webhook
secret, a signing key, the payment provider's token, the orders API token or a phone number.

Real processes as an operator runs them, against the sandbox: HQ commands, `storelink run`
with webhooks (setWebhook carries the secret) and with polling (getUpdates carries the
contacts members share), members sharing contacts that are relayed (sendContact), a
rejected token at start-up, and an uncaught exception. Everything written to stdout and
stderr is read back and searched for each value.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.conftest import free_port
from tests.e2e.processes import STORELINK, clean_env

OWN_PHONE = "+8613811112222"  # Alice's own number, shared with the phone button
FOREIGN_PHONE = "+8613800000000"  # a friend's card Alice sends her associate
SECOND_FOREIGN_PHONE = "+8613977776666"  # another card, while storelink polls
BRAND_CSV = "kind,code,name,address,latitude,longitude,timezone,store\n" \
            "brand,,Maison Secret,,,,Asia/Shanghai,\n" \
            "store,SH-1,Shanghai One,1 Road,31.2,121.4,,\n"


class Written:
    """Everything the processes of one test wrote, in one text."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    async def command(self, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        """A command run to its end; the sandbox keeps answering meanwhile."""
        process = await asyncio.create_subprocess_exec(*STORELINK, "--log-level", "DEBUG", *args, cwd=cwd, env=env,
                                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        done = subprocess.CompletedProcess(args, process.returncode or 0, out.decode(), err.decode())
        self.parts += [done.stdout, done.stderr]
        return done

    def __repr__(self) -> str:
        return "\n".join(self.parts)

    def __str__(self) -> str:
        return "\n".join(self.parts)


async def running(cwd: Path, env: dict[str, str], out: Path) -> asyncio.subprocess.Process:
    with out.open("w") as sink:
        return await asyncio.create_subprocess_exec(*STORELINK, "--log-level", "DEBUG", "run", cwd=cwd, env=env,
                                                    stdout=sink, stderr=subprocess.STDOUT)


async def stopped(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def wait_for_kind(people: SandboxClient, user: int, bot: str, kind: str, after: int = 0) -> dict:
    return await people.wait_for(user, bot, lambda m: m["kind"] == kind and m["sender"] == "bot", 30.0,
                                 after_message_id=after)


async def wait_for_text(people: SandboxClient, user: int, bot: str, needle: str, after: int = 0) -> dict:
    return await people.wait_for(user, bot, lambda m: needle in (m["text"] or ""), 30.0, after_message_id=after)


def someone_elses_card(sandbox: Sandbox, user: int, bot: str, phone: str) -> None:
    """A contact card of another person, which the people API cannot send as such."""
    sandbox.people._post(sandbox.people.chat(user, bot), kind="contact", reply_to=None,
                         contact={"phone_number": phone, "first_name": "Zoe"})


def assert_nothing_secret_in(text: str, secret_values: dict[str, str]) -> None:
    leaked = [name for name, value in secret_values.items() if value in text]
    for phone in (OWN_PHONE, FOREIGN_PHONE, SECOND_FOREIGN_PHONE):
        if any(shape in text for shape in (phone, phone.lstrip("+"), phone[3:])):  # +86138…, 86138…, 138…
            leaked.append(f"the phone number {phone}")
    assert leaked == [], f"written: {', '.join(leaked)}"


async def test_debug_output_of_every_process_shows_no_token_secret_key_or_phone_number(tmp_path):
    written = Written()
    async with Sandbox(port=0) as sandbox, SandboxClient(sandbox.url) as people:
        http_port = free_port()
        env = clean_env(
            consumer_bot_token=sandbox.create_bot("sec_shop_bot"),
            associate_bot_token=sandbox.create_bot("sec_staff_bot"),
            bot_api_url=sandbox.url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'storelink.db'}",
            http_port=str(http_port),
            previous_signing_keys=secrets.token_urlsafe(32),
            payment_provider_token="284685063:TEST:" + secrets.token_urlsafe(18),
            orders_api_token=secrets.token_urlsafe(24),
        )  # no STORELINK_SIGNING_KEY: the key is made and kept in var/signing.key
        webhooks = env | {"STORELINK_WEBHOOK_BASE_URL": f"http://127.0.0.1:{http_port}",
                          "STORELINK_WEBHOOK_SECRET": secrets.token_urlsafe(24)}
        (tmp_path / "brand.csv").write_text(BRAND_CSV, encoding="utf-8")

        assert (await written.command(tmp_path, env, "brand", "load", "brand.csv")).returncode == 0, written
        added = await written.command(tmp_path, env, "sa", "add", "--store", "SH-1", "--name", "Bob", "--json")
        assert added.returncode == 0, written
        bob_sa = json.loads(added.stdout.strip().splitlines()[-1])

        # Webhooks: setWebhook carries the secret; Alice enrols, shares her number and a friend's card.
        process = await running(tmp_path, webhooks, tmp_path / "webhook-run.log")
        try:
            bob = (await people.create_user("Bob"))["id"]
            await people.send_text(bob, "sec_staff_bot", "/start " + bob_sa["invite_link"].split("start=")[1])
            await wait_for_text(people, bob, "sec_staff_bot", "Bob")
            alice = (await people.create_user("Alice"))["id"]
            await people.send_text(alice, "sec_shop_bot", bob_sa["short_code"])
            await wait_for_text(people, alice, "sec_shop_bot", "phone number")
            await people.send_contact(alice, "sec_shop_bot", OWN_PHONE, "Alice")
            await wait_for_text(people, alice, "sec_shop_bot", "Thank")
            someone_elses_card(sandbox, alice, "sec_shop_bot", FOREIGN_PHONE)
            first_card = await wait_for_kind(people, bob, "sec_staff_bot", "contact")
            # The brand's systems call the orders API, with the token and with a wrong one.
            api = f"http://127.0.0.1:{http_port}/api/orders/999/events"
            async with aiohttp.ClientSession() as http:
                for token, status in ((env["STORELINK_ORDERS_API_TOKEN"], 404), (secrets.token_urlsafe(24), 401)):
                    async with http.post(api, json={"event_id": "e1", "action": "packed"},
                                         headers={"Authorization": f"Bearer {token}"}) as answer:
                        assert answer.status == status, await answer.text()
        finally:
            assert await stopped(process) == 0, (tmp_path / "webhook-run.log").read_text()

        # Polling: getUpdates replies carry the card; sendContact relays it.
        process = await running(tmp_path, env, tmp_path / "polling-run.log")
        try:
            someone_elses_card(sandbox, alice, "sec_shop_bot", SECOND_FOREIGN_PHONE)
            second_card = await wait_for_kind(people, bob, "sec_staff_bot", "contact", after=first_card["message_id"])
        finally:
            assert await stopped(process) == 0, (tmp_path / "polling-run.log").read_text()

        # A token the Bot API rejects stops start-up: the message names the problem, not the token.
        rejected = env | {"STORELINK_CONSUMER_BOT_TOKEN": "123456789:" + secrets.token_urlsafe(30)}
        refused = await written.command(tmp_path, rejected, "run")

    assert second_card["contact"]["phone_number"] == SECOND_FOREIGN_PHONE  # the relay worked: the test saw real traffic
    assert refused.returncode == 1 and "could not start" in refused.stderr
    written.parts += [(tmp_path / "webhook-run.log").read_text(), (tmp_path / "polling-run.log").read_text()]
    text = str(written)
    assert "setWebhook" in text and "sendContact" in text and "getUpdates" in text, "DEBUG lines of the Bot API calls"
    signing_key = (tmp_path / "var" / "signing.key").read_text().strip()
    assert_nothing_secret_in(text, {
        "the consumer bot token": env["STORELINK_CONSUMER_BOT_TOKEN"],
        "the consumer bot token's secret": env["STORELINK_CONSUMER_BOT_TOKEN"].split(":")[1],
        "the associate bot token": env["STORELINK_ASSOCIATE_BOT_TOKEN"],
        "the associate bot token's secret": env["STORELINK_ASSOCIATE_BOT_TOKEN"].split(":")[1],
        "the rejected token's secret": rejected["STORELINK_CONSUMER_BOT_TOKEN"].split(":")[1],
        "the webhook secret": webhooks["STORELINK_WEBHOOK_SECRET"],
        "the signing key": signing_key,
        "a previous signing key": env["STORELINK_PREVIOUS_SIGNING_KEYS"],
        "the payment provider token": env["STORELINK_PAYMENT_PROVIDER_TOKEN"],
        "the orders API token": env["STORELINK_ORDERS_API_TOKEN"],
    })


def test_an_uncaught_exception_is_written_without_the_secrets_it_carries(tmp_path):
    key = secrets.token_urlsafe(32)
    token = "123456789:" + secrets.token_urlsafe(30)
    program = (
        "from bot.runtime import logs; from bot.runtime.settings import load_settings\n"
        "logs.configure('DEBUG')\n"
        "load_settings(require_tokens=False)\n"
        f"raise RuntimeError('key {key} token {token} ' + str({{'phone_number': '{OWN_PHONE}'}}))\n"
    )
    env = clean_env(signing_key=key)
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)

    assert done.returncode == 1 and "RuntimeError" in done.stderr
    assert_nothing_secret_in(done.stdout + done.stderr, {"the signing key": key, "a token": token.split(":")[1]})
