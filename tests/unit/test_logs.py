import logging

from bot.logs import RedactingFormatter

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
