"""What every Bot API method implementation receives, and the checks they share.

Telegram checks a call's content (text, caption, media) before the target chat, and
flood control last, so a refused call never uses up a bot's allowance. `Call.post` is
that last step for every sending method: markup, reply target, flood control, store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.sandbox.errors import bad_request, too_many_requests
from bot.sandbox.formatting import Formatted, check_caption, parse
from bot.sandbox.limits import RateLimiter
from bot.sandbox.params import Params
from bot.sandbox.shapes import message_json
from bot.sandbox.state import BotAccount, Chat, StoredMessage, World

# What gives an inline button something to do; a button with only text is refused.
_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
CALLBACK_DATA_LIMIT = 64


class WebhookControl(Protocol):
    def watch(self, bot: BotAccount) -> None: ...

    def unwatch(self, bot: BotAccount) -> None: ...


@dataclass
class Call:
    """One Bot API call: the calling bot, its parameters and the sandbox services."""

    world: World
    bot: BotAccount
    params: Params
    limiter: RateLimiter
    webhooks: WebhookControl
    fetch: Callable[[str], Awaitable[bytes]]

    def chat(self, name: str = "chat_id") -> Chat:
        value = self.params.raw(name)
        if value in (None, ""):
            raise bad_request(f"{name} is empty")
        return self.world.reachable_chat(self.bot, value)

    def caption(self) -> Formatted:
        caption = parse(
            self.params.string("caption"),
            self.params.string("parse_mode"),
            self.params.decoded("caption_entities"),
        )
        check_caption(caption)
        return caption

    def reply_markup(self) -> dict[str, Any] | None:
        return validate_reply_markup(self.params.decoded("reply_markup", what="reply keyboard markup"))

    def reply_target(self, chat: Chat) -> int | None:
        """The message_id a new message replies to (reply_parameters or reply_to_message_id)."""
        parameters = self.params.decoded("reply_parameters") or {}
        if not isinstance(parameters, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = parameters.get("message_id", self.params.integer("reply_to_message_id"))
        if message_id is None:
            return None
        if not isinstance(message_id, int) or chat.find(message_id) is None:
            if parameters.get("allow_sending_without_reply") or self.params.flag("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def admit(self, chat: Chat) -> None:
        retry_after = self.limiter.admit(self.bot.id, chat.person.id, paid=self.params.flag("allow_paid_broadcast"))
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def post(self, chat: Chat, *, kind: str, **content: Any) -> StoredMessage:
        """Send a message from the bot once its content was validated."""
        markup = self.reply_markup()
        reply_to = self.reply_target(chat)
        self.admit(chat)
        return chat.post(
            from_bot=True, kind=kind, date=self.world.now(), reply_markup=markup, reply_to=reply_to, **content
        )

    def message(self, chat: Chat, message: StoredMessage) -> dict[str, Any]:
        return message_json(self.world, chat, message)


Method = Callable[[Call], Awaitable[Any]]


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _rows(markup["inline_keyboard"], "inline keyboard"):
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in _rows(markup["keyboard"], "keyboard"):
            for button in row:
                text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
                if not text:
                    raise bad_request("keyboard button text is empty")
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _rows(rows: Any, what: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f"can't parse {what}: field must be an Array of Arrays")
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if not (_INLINE_ACTIONS & button.keys()):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and not (isinstance(data, str) and 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not (isinstance(url, str) and url.split(":", 1)[0] in ("http", "https", "tg")):
        raise bad_request("BUTTON_URL_INVALID")
