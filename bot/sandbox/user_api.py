"""The people's side of the sandbox as JSON over HTTP, under /sandbox/.

SandboxClient wraps these routes; the demo's terminal chat and a browser console can
use them directly. Answers have the Bot API's envelope: {"ok": true, "result": ...} or
{"ok": false, "error_code": ..., "description": ...}.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox import checkout
from bot.sandbox.errors import ApiError
from bot.sandbox.people import bot_summary
from bot.sandbox.shapes import transcript_entry

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox
    from bot.sandbox.state import Person

_CHAT = "/sandbox/chats/{user_id}/{bot}"
_MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "animation")
_MAX_WAIT_SECONDS = 60.0

Handler = Callable[[web.Request], Awaitable[Any]]


def _answers(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a handler's result (or ApiError) in the Bot API envelope."""

    async def respond(request: web.Request) -> web.Response:
        try:
            result = await handler(request)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.status)
        except (ValueError, TypeError) as error:  # a number that does not parse
            return web.json_response(ApiError(400, str(error)).payload(), status=400)
        return web.json_response({"ok": True, "result": result})

    return respond


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _need(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, ""):
        raise ApiError(400, f"{name} is required")
    return body[name]


def _chat_of(request: web.Request) -> tuple[int, str]:
    """The person (user id) and the bot (username) a /sandbox/chats/... route names."""
    return int(request.match_info["user_id"]), request.match_info["bot"]


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "data_base64 is not valid base64") from None


def _user(person: Person) -> dict[str, Any]:
    """A person as the sandbox shows them: the Bot API's User plus their own phone number."""
    return {**person.as_user(), "phone_number": person.phone_number}


class UserApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.people = sandbox.people

    def routes(self) -> list[web.RouteDef]:
        table = [
            ("GET", "/sandbox/bots", self.list_bots),
            ("POST", "/sandbox/bots", self.create_bot),
            ("POST", "/sandbox/bots/{username}/updates", self.inject_update),
            ("GET", "/sandbox/users", self.list_users),
            ("POST", "/sandbox/users", self.create_user),
            ("POST", _CHAT + "/messages", self.send),
            ("POST", _CHAT + "/edit", self.edit),
            ("POST", _CHAT + "/album", self.send_album),
            ("POST", _CHAT + "/press", self.press),
            ("POST", _CHAT + "/keyboard", self.press_keyboard),
            ("POST", _CHAT + "/pay", self.pay),
            ("POST", _CHAT + "/block", self.block),
            ("POST", _CHAT + "/unblock", self.unblock),
            ("GET", _CHAT + "/transcript", self.transcript),
            ("GET", "/sandbox/faults", self.faults),
            ("POST", "/sandbox/faults/fail_next", self.fail_next),
            ("POST", "/sandbox/faults/fail_randomly", self.fail_randomly),
            ("POST", "/sandbox/faults/latency", self.set_latency),
            ("POST", "/sandbox/faults/drop_responses", self.drop_responses),
            ("DELETE", "/sandbox/faults", self.clear_faults),
            ("GET", "/sandbox/calls", self.calls),
            ("GET", "/sandbox/payments", self.payments),
            ("PATCH", "/sandbox/payments", self.change_payments),
            ("GET", "/sandbox/limits", self.limits),
            ("PATCH", "/sandbox/limits", self.change_limits),
            ("POST", "/sandbox/reset", self.reset),
        ]
        routes = [web.route(verb, path, _answers(handler)) for verb, path, handler in table]
        routes.append(web.get("/sandbox/files/{unique_id}", self.download))
        return routes

    async def list_bots(self, request: web.Request) -> list[dict]:
        return [bot_summary(bot) for bot in self.sandbox.world.bots.values()]

    async def create_bot(self, request: web.Request) -> dict:
        body = await _body(request)
        token = self.sandbox.create_bot(_need(body, "username"), body.get("first_name"))
        return bot_summary(self.sandbox.world.bots[token])

    async def inject_update(self, request: web.Request) -> dict:
        """Queue a raw update for a bot (its update_id is assigned): {"update": {...}}."""
        bot = self.sandbox.world.bots_by_username.get(request.match_info["username"].lstrip("@"))
        if bot is None:
            raise ApiError(404, "no such bot")
        body = _need(await _body(request), "update")
        if not isinstance(body, dict):
            raise ApiError(400, "update must be a JSON object")
        return {"update_id": bot.updates.push_raw(body)}

    async def list_users(self, request: web.Request) -> list[dict]:
        return [_user(person) for person in self.sandbox.world.people.values()]

    async def create_user(self, request: web.Request) -> dict:
        body = await _body(request)
        person = self.people.create(
            _need(body, "first_name"),
            username=body.get("username"),
            last_name=body.get("last_name"),
            language_code=body.get("language_code") or "en",
            phone_number=body.get("phone_number"),
        )
        return _user(person)

    async def send(self, request: web.Request) -> dict:
        user_id, bot = _chat_of(request)
        body = await _body(request)
        kind = body.get("kind", "text")
        if kind == "text":
            return self.people.send_text(
                user_id, bot, body.get("text") or "", reply_to_message_id=body.get("reply_to_message_id")
            )
        if kind in _MEDIA_KINDS:
            return self.people.send_media(
                user_id,
                bot,
                kind,
                _decode(_need(body, "data_base64")),
                caption=body.get("caption"),
                file_name=body.get("filename"),
                mime_type=body.get("mime_type"),
                duration=int(body.get("duration") or 0),
                reply_to_message_id=body.get("reply_to_message_id"),
            )
        if kind == "contact":
            return self.people.send_contact(
                user_id, bot, _need(body, "phone_number"), _need(body, "first_name"), last_name=body.get("last_name")
            )
        if kind == "location":
            return self.people.send_location(
                user_id, bot, float(_need(body, "latitude")), float(_need(body, "longitude"))
            )
        raise ApiError(400, f"unknown message kind {kind!r}")

    async def send_album(self, request: web.Request) -> list[dict]:
        body = await _body(request)
        items = [{"kind": item.get("kind"), "data": _decode(_need(item, "data_base64")), "caption": item.get("caption"),
                  "file_name": item.get("filename"), "mime_type": item.get("mime_type")} for item in _need(body, "items")]
        return self.people.send_album(*_chat_of(request), items, reply_to_message_id=body.get("reply_to_message_id"))

    async def edit(self, request: web.Request) -> dict:
        body = await _body(request)
        if "caption" in body:
            return self.people.edit_caption(*_chat_of(request), int(_need(body, "message_id")), body["caption"] or "")
        return self.people.edit_text(*_chat_of(request), int(_need(body, "message_id")), _need(body, "text"))

    async def press(self, request: web.Request) -> dict:
        body = await _body(request)
        return await self.people.press_button(
            *_chat_of(request),
            int(_need(body, "message_id")),
            str(_need(body, "callback_data")),
            timeout=float(body.get("timeout", 2.0)),
        )

    async def press_keyboard(self, request: web.Request) -> dict:
        """Tap a reply keyboard button: {"text": ..., "latitude"/"longitude" for a location}."""
        body = await _body(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        return self.people.press_keyboard_button(
            *_chat_of(request),
            str(_need(body, "text")),
            latitude=None if latitude is None else float(latitude),
            longitude=None if longitude is None else float(longitude),
        )

    async def pay(self, request: web.Request) -> dict:
        """Pay an invoice: {"message_id": ..., "order_info": {...}, "tip_amount": ...}; waits
        for the bot's pre-checkout answer (up to the deadline) and returns the outcome."""
        body = await _body(request)
        chat = self.people.writable(*_chat_of(request))
        return await checkout.pay(
            self.sandbox.world,
            chat,
            int(_need(body, "message_id")),
            order_info=body.get("order_info"),
            tip_amount=int(body.get("tip_amount") or 0),
        )

    async def payments(self, request: web.Request) -> dict:
        return {"pre_checkout_timeout": self.sandbox.world.pre_checkout_timeout}

    async def change_payments(self, request: web.Request) -> dict:
        """Set the pre-checkout deadline (seconds; Telegram's is 10), e.g. shorter for tests."""
        body = await _body(request)
        unknown = set(body) - {"pre_checkout_timeout"}
        if unknown:
            raise ApiError(400, f"unknown payment settings: {', '.join(sorted(unknown))}")
        if "pre_checkout_timeout" in body:
            seconds = float(body["pre_checkout_timeout"])
            if not 0 < seconds <= _MAX_WAIT_SECONDS:
                raise ApiError(400, f"pre_checkout_timeout must be more than 0 and at most {_MAX_WAIT_SECONDS:g}")
            self.sandbox.world.pre_checkout_timeout = seconds
        return await self.payments(request)

    async def block(self, request: web.Request) -> bool:
        self.people.block(*_chat_of(request))
        return True

    async def unblock(self, request: web.Request) -> bool:
        self.people.unblock(*_chat_of(request))
        return True

    async def transcript(self, request: web.Request) -> dict:
        """The chat both ways; with after_version and timeout, waits until the chat changes."""
        chat = self.people.chat(*_chat_of(request))
        after_version = int(request.query.get("after_version", -1))
        after_message = int(request.query.get("after_message_id", 0))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(request.query.get("timeout", 0)), _MAX_WAIT_SECONDS)
        world = self.sandbox.world
        while chat.version <= after_version and not world.closing and await chat.changed.wait(deadline - loop.time()):
            pass
        messages = [
            transcript_entry(world, chat, message)
            for message_id, message in chat.messages.items()
            if message_id > after_message
        ]
        return {"version": chat.version, "messages": messages}

    async def download(self, request: web.Request) -> web.Response:
        file = self.sandbox.world.files.by_unique_id.get(request.match_info["unique_id"])
        if file is None:
            return web.json_response(ApiError(404).payload(), status=404)
        return web.Response(body=file.data, content_type=file.mime_type)

    async def faults(self, request: web.Request) -> dict:
        return self.sandbox.faults.describe()

    async def fail_next(self, request: web.Request) -> bool:
        body = await _body(request)
        self.sandbox.faults.fail_next(
            int(_need(body, "n")),
            status=int(body.get("status", 500)),
            method=body.get("method"),
            bot=body.get("bot"),
            retry_after=int(body.get("retry_after", 1)),
            description=body.get("description"),
        )
        return True

    async def fail_randomly(self, request: web.Request) -> bool:
        body = await _body(request)
        seed = body.get("seed")
        self.sandbox.faults.fail_randomly(
            float(_need(body, "rate")),
            status=int(body.get("status", 500)),
            method=body.get("method"),
            bot=body.get("bot"),
            retry_after=int(body.get("retry_after", 1)),
            seed=None if seed is None else int(seed),
        )
        return True

    async def set_latency(self, request: web.Request) -> bool:
        body = await _body(request)
        self.sandbox.faults.set_latency(float(body.get("seconds", 0)), method=body.get("method"))
        return True

    async def drop_responses(self, request: web.Request) -> bool:
        body = await _body(request)
        self.sandbox.faults.drop_responses(int(_need(body, "n")), method=body.get("method"), bot=body.get("bot"))
        return True

    async def clear_faults(self, request: web.Request) -> bool:
        self.sandbox.faults.clear()
        return True

    async def calls(self, request: web.Request) -> list[dict]:
        return self.sandbox.calls.select(bot=request.query.get("bot"), method=request.query.get("method"))

    async def limits(self, request: web.Request) -> dict:
        return dataclasses.asdict(self.sandbox.limits)

    async def change_limits(self, request: web.Request) -> dict:
        body = await _body(request)
        known = {f.name for f in dataclasses.fields(self.sandbox.limits)}
        unknown = set(body) - known
        if unknown:
            raise ApiError(400, f"unknown limits: {', '.join(sorted(unknown))}")
        for name, value in body.items():
            setattr(self.sandbox.limits, name, value)
        return dataclasses.asdict(self.sandbox.limits)

    async def reset(self, request: web.Request) -> bool:
        self.sandbox.reset()
        return True
