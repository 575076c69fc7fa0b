# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
# The demo's ports: make demo SANDBOX_PORT=9081 STORELINK_HTTP_PORT=9080 (the Bot API sandbox,
# /healthz and /metrics). DEMO_ARGS goes to `storelink demo` as it is.
SANDBOX_PORT ?= 8081
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "storelink needs Python 3.11+ ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "storelink needs Python 3.11+, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/storelink demo --sandbox-port $(SANDBOX_PORT) $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.updates_per_second
	$(BIN)/python -m bench.relay

clean:
	rm -rf $(VENV) var build *.egg-info
