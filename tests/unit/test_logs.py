import logging

from bot.runtime.logs import RedactingFormatter

TOKEN = "123456789:" + "A" * 35


def test_tokens_are_redacted_from_messages_and_tracebacks():
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling %s", (f"/bot{TOKEN}/getMe",), (type(exc), exc, exc.__traceback__))
    line = formatter.format(record)
    assert TOKEN not in line and "A" * 35 not in line
    assert line.count("<token>") == 2 and "Traceback" in line


import json
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.redaction import REDACT, protect_secrets

phones = st.from_regex(r"\+?[1-9][0-9]{6,14}", fullmatch=True)


@given(phone=phones)
def test_a_phone_number_field_is_redacted_in_every_shape_a_library_prints(phone):
    shapes = [repr({"chat_id": 7, "phone_number": phone}), json.dumps({"contact": {"phone_number": phone}}),
              urlencode({"phone_number": phone}), f"Contact(first_name='Zoe', phone_number='{phone}')",
              json.dumps(json.dumps({"phone": phone}))]
    for shape in shapes:
        assert phone.lstrip("+") not in REDACT(shape), shape


def test_a_configured_secret_is_redacted_wherever_it_stands_and_short_values_are_not_registered():
    secret = "Zq8vR2mW-k_PX7tY3nL0"
    protect_secrets(secret, "abc")
    assert REDACT(f"header={secret}; again:{secret}!") == "header=<secret>; again:<secret>!"
    assert REDACT("abc stays readable") == "abc stays readable"
    assert "w3bh00k" not in REDACT("{'url': 'https://x', 'secret_token': 'w3bh00k'}")


def test_ids_times_and_amounts_are_left_alone():
    line = "update 913372 chat 7000000002 at 2026-01-02 10:00:00+08:00 paid 12800 (+12%)"
    assert REDACT(line) == line
