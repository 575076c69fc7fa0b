"""var/demo.json: where the running demo is (its sandbox, its HTTP server, its bots and
staff), written by `storelink demo` and read by `storelink chat`, so that a demo moved
off its default ports is found without retyping them."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from bot.runtime.settings import VAR_DIR

DEMO_FILE = VAR_DIR / "demo.json"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8081"


class DemoFileError(Exception):
    """var/demo.json is there but cannot be used; str() says why."""


def write_demo_file(about: dict[str, Any]) -> None:
    """Written whole or not at all: a chat client starting meanwhile reads the previous
    demo's file or this one, never half of one."""
    DEMO_FILE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=DEMO_FILE.parent, prefix=".demo-", suffix=".json", delete=False) as out:
        out.write(json.dumps(about, indent=2))
    os.replace(out.name, DEMO_FILE)


def read_demo_file() -> dict[str, Any]:
    """The running demo's file; {} if no demo has run here."""
    try:
        about = json.loads(DEMO_FILE.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DemoFileError(f"cannot read {DEMO_FILE} ({exc}); start the demo again, or pass --sandbox URL") from None
    if not isinstance(about, dict):
        raise DemoFileError(f"{DEMO_FILE} is not a demo's file; start the demo again, or pass --sandbox URL")
    return about
