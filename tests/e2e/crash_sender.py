"""A storelink process for the crash tests: `storelink run --only sender` (or, with
"only": null in its configuration, a whole `storelink run` that takes updates), with the
test stack's send limits, lease and Redis namespace (which are runtime options, not
settings, so the command line cannot carry them).

    python -m tests.e2e.crash_sender      # configuration as JSON in STORELINK_CRASH_SENDER

It builds its options with the same `sender_only()` the command uses and runs until a
signal, exactly as `storelink run` does; the crash test ends it with SIGKILL.
"""

from __future__ import annotations

import json
import os

from bot.runtime import logs
from bot.cli.main import run_until_signal, sender_only
from bot.runtime.process import Options, Runtime
from bot.runtime.settings import load_settings
from storage.backends import SendLimits

CONFIG_VARIABLE = "STORELINK_CRASH_SENDER"


def main() -> None:
    config = json.loads(os.environ.pop(CONFIG_VARIABLE))
    logs.configure("INFO")
    options = Options(serve_http=False, limits=SendLimits(**config["limits"]), **config["options"])
    if config.get("only", "sender") == "sender":
        options = sender_only(options)
    runtime = Runtime(load_settings(_env_file=None, **config["settings"]), options)
    run_until_signal(runtime.start, runtime.stop)


if __name__ == "__main__":
    main()
