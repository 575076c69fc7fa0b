"""Screening what reaches the ingress: any JSON value ends refused, rejected with a reason,
or accepted with a chat to order it by; never an exception of another kind."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot

from bot.runtime.intake import MAX_DEPTH, IntakeWatch, Refused, screen

BOT = Bot("123:fake-token-for-parsing-only")
TEXT = st.text(st.characters(exclude_categories=()), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)
KINDS = st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member", "inline_query", "poll", "x"])


def message(**changes) -> dict:  # noqa: ANN003
    body = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": "hi"}
    return {"update_id": 1, "message": {**body, **changes}}


@given(JSON)
def test_any_json_value_is_refused_or_screened(value) -> None:  # noqa: ANN001
    try:
        screened = screen(value, BOT)
    except Refused:
        return
    assert screened.rejected is not None or screened.update is not None
    json.dumps(screened.payload, allow_nan=False)  # what is recorded is plain, finite JSON


@given(KINDS, JSON)
def test_an_update_with_any_body_is_rejected_with_a_reason_or_accepted(kind, body) -> None:  # noqa: ANN001
    screened = screen({"update_id": 3, kind: body}, BOT)
    assert screened.update_id == 3
    assert (screened.rejected is None) == (screened.update is not None)
    assert -2**63 < screened.chat_id < 2**63


@pytest.mark.parametrize("update_id", [None, "7", 7.0, True, -1, 2**63, 2**64])
def test_a_body_without_a_usable_update_id_is_refused(update_id) -> None:  # noqa: ANN001
    with pytest.raises(Refused):
        screen({"update_id": update_id, "message": message()["message"]}, BOT)


@pytest.mark.parametrize(("update", "reason"), [
    (message(chat="x"), "not a Telegram update"),
    (message(**{"from": [1, 2]}), "not a Telegram update"),
    ({"update_id": 1, "message": "s"}, "not a Telegram update"),
    (message(chat={"id": "x", "type": "private"}), "the chat id is not a 64-bit integer"),
    (message(text=float("nan")), "a number that is not finite"),
    (message(extra=json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))), f"nested deeper than {MAX_DEPTH} levels"),
])
def test_odd_structures_are_rejected_with_their_reason(update, reason) -> None:  # noqa: ANN001
    screened = screen(update, BOT)
    assert screened.update is None and screened.rejected.startswith(reason)


def test_nul_and_lone_surrogates_become_the_replacement_character_everywhere() -> None:
    screened = screen(message(text="a\x00b\ud800", chat={"id": 5, "type": "private", "first_name": "\udfffx"}), BOT)
    assert screened.payload["message"]["text"] == "a\ufffdb\ufffd"
    assert screened.update.message.text == "a\ufffdb\ufffd"
    assert screened.update.effective_chat.first_name == "\ufffdx"
    assert screened.chat_id == 5


def test_the_intake_is_stalled_only_while_updates_wait_without_being_recorded() -> None:
    clock = [0.0]
    watch = IntakeWatch(now=lambda: clock[0])
    watch.waiting("consumer")
    clock[0] = 30.0
    watch.recorded("consumer", more_waiting=True)  # progress
    clock[0] = 50.0
    assert watch.stalled(after=60.0) == {}
    clock[0] = 95.0
    assert watch.stalled(after=60.0) == {"consumer": 65.0}
    watch.recorded("consumer")
    assert watch.stalled(after=0.0) == {}
