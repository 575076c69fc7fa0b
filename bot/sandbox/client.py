"""SandboxClient: the people's side of a running sandbox, for tests and the demo.

Every method is one call to the /sandbox/ routes and returns the JSON result as plain
dicts. `bot` arguments are bot usernames (with or without "@").
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp

_REQUEST_TIMEOUT = 30.0
_MAX_PRE_CHECKOUT = 60.0  # the longest deadline the sandbox accepts


class SandboxError(Exception):
    """The sandbox refused a request (unknown user, a button the message does not have...)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class SandboxClient:
    def __init__(self, base_url: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # People and bots

    async def create_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "en",
        phone_number: str | None = None,
    ) -> dict[str, Any]:
        """A new person: their User fields plus "phone_number", the account's own number
        (a fictional unique +1555... one unless given), which a request_contact button shares."""
        body = {"first_name": first_name, "username": username, "last_name": last_name, "language_code": language_code,
                "phone_number": phone_number}
        return await self._call("POST", "/sandbox/users", body)

    async def users(self) -> list[dict[str, Any]]:
        return await self._call("GET", "/sandbox/users")

    async def create_bot(self, username: str, first_name: str | None = None) -> dict[str, Any]:
        return await self._call("POST", "/sandbox/bots", {"username": username, "first_name": first_name})

    async def bots(self) -> list[dict[str, Any]]:
        return await self._call("GET", "/sandbox/bots")

    # What a person does in a chat

    async def inject_update(self, bot: str, update: dict[str, Any]) -> int:
        """Queue a raw update for a bot (getUpdates or its webhook); returns its update_id."""
        return (await self._call("POST", f"/sandbox/bots/{bot}/updates", {"update": update}))["update_id"]

    async def send_text(
        self, user_id: int, bot_username: str, text: str, *, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        """Type a message; "/start payload" arrives with a bot_command entity, like a deep link."""
        return await self._send(user_id, bot_username, kind="text", text=text, reply_to_message_id=reply_to_message_id)

    async def send_photo(
        self, user_id: int, bot: str, data: bytes, *, caption: str | None = None, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        return await self._send(user_id, bot, kind="photo", data_base64=_b64(data), caption=caption,
                                reply_to_message_id=reply_to_message_id)

    async def send_document(
        self, user_id: int, bot: str, data: bytes, filename: str, *, caption: str | None = None
    ) -> dict[str, Any]:
        return await self._send(
            user_id, bot, kind="document", data_base64=_b64(data), filename=filename, caption=caption
        )

    async def send_voice(
        self, user_id: int, bot: str, data: bytes, *, duration: int = 1, caption: str | None = None
    ) -> dict[str, Any]:
        return await self._send(user_id, bot, kind="voice", data_base64=_b64(data), duration=duration, caption=caption)

    async def send_video(
        self, user_id: int, bot: str, data: bytes, *, duration: int = 1, caption: str | None = None
    ) -> dict[str, Any]:
        return await self._send(user_id, bot, kind="video", data_base64=_b64(data), duration=duration, caption=caption)

    async def send_contact(
        self, user_id: int, bot: str, phone_number: str, first_name: str, *, last_name: str | None = None
    ) -> dict[str, Any]:
        return await self._send(
            user_id, bot, kind="contact", phone_number=phone_number, first_name=first_name, last_name=last_name
        )

    async def send_location(self, user_id: int, bot: str, latitude: float, longitude: float) -> dict[str, Any]:
        """Send a location from the attachment menu (latitude -90..90, longitude -180..180)."""
        return await self._send(user_id, bot, kind="location", latitude=latitude, longitude=longitude)

    async def share_location(self, user_id: int, bot: str, latitude: float, longitude: float) -> dict[str, Any]:
        """The same message as send_location: what a person does when a bot asks where they are."""
        return await self.send_location(user_id, bot, latitude, longitude)

    async def press_keyboard_button(
        self, user_id: int, bot: str, text: str, *, latitude: float | None = None, longitude: float | None = None
    ) -> dict[str, Any]:
        """Tap the button labelled `text` on the chat's reply keyboard (the last one a bot
        message brought, until one removed it) and return the message it sent: a plain
        button sends its text, a request_contact button the person's own contact (their
        phone_number, with user_id), a request_location button the latitude/longitude given
        here (required then). A label the keyboard does not show, or no keyboard at all, is
        refused with SandboxError 400, as a client offers no such button."""
        body = {"text": text, "latitude": latitude, "longitude": longitude}
        return await self._call("POST", _chat(user_id, bot, "keyboard"), body)

    async def pay(
        self,
        user_id: int,
        bot: str,
        message_id: int,
        *,
        order_info: dict[str, Any] | None = None,
        tip_amount: int = 0,
    ) -> dict[str, Any]:
        """Pay the invoice of bot message `message_id`, as Telegram runs it: the bot gets a
        pre_checkout_query and has the pre-checkout deadline (10 s, see
        set_pre_checkout_timeout) to answer it. Returns once decided:
        {"status": "paid" | "refused" | "timed_out", "paid": bool, "error_message": the
        bot's refusal or the time-out (None when paid), "pre_checkout_query_id",
        "total_amount", and when paid "telegram_payment_charge_id",
        "provider_payment_charge_id" and "message" (the successful_payment message the bot
        got)}. order_info answers what the invoice asks: "name" and "phone_number" default
        to the person's, "email" and "shipping_address" ({"country_code", "state", "city",
        "street_line1", "street_line2", "post_code"}) must be given when asked for; what the
        invoice did not ask for is not sent. A message without an invoice, an invoice
        already paid or being paid is refused with SandboxError."""
        body = {"message_id": message_id, "order_info": order_info, "tip_amount": tip_amount}
        return await self._call("POST", _chat(user_id, bot, "pay"), body, wait=_MAX_PRE_CHECKOUT)

    async def set_pre_checkout_timeout(self, seconds: float) -> None:
        """How long a bot has to answer a pre_checkout_query (Telegram: 10 s); shorter in tests."""
        await self._call("PATCH", "/sandbox/payments", {"pre_checkout_timeout": seconds})

    async def pre_checkout_timeout(self) -> float:
        return (await self._call("GET", "/sandbox/payments"))["pre_checkout_timeout"]

    async def send_album(
        self, user_id: int, bot: str, items: list[tuple[str, bytes, str | None]], *, filenames: list[str] | None = None,
        reply_to_message_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Send (kind, bytes, caption) items at once, as one album (2-10 photos/videos, or
        documents); as a reply, every item replies to reply_to_message_id."""
        body = [{"kind": kind, "data_base64": _b64(data), "caption": caption} for kind, data, caption in items]
        for entry, filename in zip(body, filenames or [], strict=False):
            entry["filename"] = filename
        return await self._call("POST", _chat(user_id, bot, "album"), {"items": body, "reply_to_message_id": reply_to_message_id})

    async def edit_caption(self, user_id: int, bot: str, message_id: int, caption: str) -> dict[str, Any]:
        return await self._call("POST", _chat(user_id, bot, "edit"), {"message_id": message_id, "caption": caption})

    async def edit_text(self, user_id: int, bot: str, message_id: int, text: str) -> dict[str, Any]:
        return await self._call("POST", _chat(user_id, bot, "edit"), {"message_id": message_id, "text": text})

    async def press_button(
        self, user_id: int, bot: str, message_id: int, callback_data: str, *, timeout: float = 2.0
    ) -> dict[str, Any]:
        """Press an inline button; returns the bot's answer once given ("answered": False if none came)."""
        body = {"message_id": message_id, "callback_data": callback_data, "timeout": timeout}
        return await self._call("POST", _chat(user_id, bot, "press"), body)

    async def block(self, user_id: int, bot: str) -> None:
        await self._call("POST", _chat(user_id, bot, "block"))

    async def unblock(self, user_id: int, bot: str) -> None:
        await self._call("POST", _chat(user_id, bot, "unblock"))

    # Reading a chat

    async def transcript(self, user_id: int, bot: str) -> list[dict[str, Any]]:
        return (await self._transcript_page(user_id, bot))["messages"]

    async def wait_for(
        self,
        user_id: int,
        bot: str,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 5.0,
        *,
        after_message_id: int = 0,
    ) -> dict[str, Any]:
        """The first bot message (after after_message_id) that matches, waiting up to timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        version = -1
        while True:
            page = await self._transcript_page(
                user_id,
                bot,
                after_version=version,
                wait=max(deadline - loop.time(), 0),
                after_message_id=after_message_id,
            )
            for message in page["messages"]:
                if message["sender"] == "bot" and not message["deleted"] and predicate(message):
                    return message
            version = page["version"]
            if loop.time() >= deadline:
                raise TimeoutError(f"no bot message matched within {timeout}s; chat ends with: {_tail(page)}")

    async def download_file(self, file_unique_id: str) -> bytes:
        async with self._http().get(f"{self.base_url}/sandbox/files/{quote(file_unique_id)}") as response:
            if response.status != 200:
                raise SandboxError(response.status, "file not found")
            return await response.read()

    # Faults, the call log, limits

    async def fail_next(
        self, n: int, *, status: int = 500, method: str | None = None, bot: str | None = None, retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Refuse the next n matching calls with status (a 429 says retry_after seconds; a 4xx
        says `description`, e.g. "message is too long", if given)."""
        body = {"n": n, "status": status, "method": method, "bot": bot, "retry_after": retry_after, "description": description}
        await self._call("POST", "/sandbox/faults/fail_next", body)

    async def fail_randomly(
        self,
        rate: float,
        *,
        status: int = 500,
        method: str | None = None,
        bot: str | None = None,
        retry_after: int = 1,
        seed: int | None = None,
    ) -> None:
        """Refuse about `rate` of the matching calls until the faults are cleared."""
        body = {"rate": rate, "status": status, "method": method, "bot": bot, "retry_after": retry_after, "seed": seed}
        await self._call("POST", "/sandbox/faults/fail_randomly", body)

    async def set_latency(self, seconds: float, method: str | None = None) -> None:
        await self._call("POST", "/sandbox/faults/latency", {"seconds": seconds, "method": method})

    async def drop_responses(self, n: int, method: str | None = None, *, bot: str | None = None) -> None:
        await self._call("POST", "/sandbox/faults/drop_responses", {"n": n, "method": method, "bot": bot})

    async def describe_faults(self) -> dict[str, Any]:
        """The faults still armed, and how many calls the random ones failed so far."""
        return await self._call("GET", "/sandbox/faults")

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/sandbox/faults")

    async def calls(self, bot: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        query = {k: v for k, v in (("bot", bot), ("method", method)) if v}
        return await self._call("GET", "/sandbox/calls", query=query)

    async def limits(self) -> dict[str, Any]:
        return await self._call("GET", "/sandbox/limits")

    async def set_limits(self, **changes: Any) -> dict[str, Any]:
        return await self._call("PATCH", "/sandbox/limits", changes)

    async def reset(self) -> None:
        await self._call("POST", "/sandbox/reset")

    # Plumbing

    async def _send(self, user_id: int, bot: str, **body: Any) -> dict[str, Any]:
        return await self._call("POST", _chat(user_id, bot, "messages"), body)

    async def watch(self, user_id: int, bot: str, *, after_version: int = -1, wait: float = 0.0) -> dict[str, Any]:
        """The whole chat once it changed after after_version (long-polls up to wait seconds):
        {"version": int, "messages": [...]}. Edits and deletions change the version too."""
        return await self._transcript_page(user_id, bot, after_version=after_version, wait=wait)

    async def _transcript_page(
        self, user_id: int, bot: str, *, after_version: int = -1, wait: float = 0.0, after_message_id: int = 0
    ) -> dict[str, Any]:
        query = {"after_version": str(after_version), "timeout": str(wait), "after_message_id": str(after_message_id)}
        return await self._call("GET", _chat(user_id, bot, "transcript"), query=query, wait=wait)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(
        self, verb: str, path: str, body: dict[str, Any] | None = None, *, query: dict | None = None, wait: float = 0
    ) -> Any:
        payload = {k: v for k, v in body.items() if v is not None} if body is not None else None
        timeout = aiohttp.ClientTimeout(total=_REQUEST_TIMEOUT + wait)
        async with self._http().request(
            verb, self.base_url + path, json=payload, params=query, timeout=timeout
        ) as response:
            answer = await response.json(content_type=None)
        if not answer.get("ok"):
            raise SandboxError(answer.get("error_code", response.status), answer.get("description", ""))
        return answer["result"]


def _chat(user_id: int, bot: str, action: str) -> str:
    return f"/sandbox/chats/{user_id}/{quote(str(bot).lstrip('@'))}/{action}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _tail(page: dict[str, Any]) -> list[str]:
    return [f"{m['sender']}: {m['text'] or m['caption'] or m['kind']}" for m in page["messages"][-5:]]
