# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
HOST ?= 127.0.0.1
PORT ?= 8000
# axe-core for the console's accessibility checks (Playwright tests), from the npm registry.
AXE_DIR := tests/console/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: install run test bench clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes, so `make test` stays fast and idempotent.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(SERVE_STAMP)

# Serving needs only the package itself: the test extras (Playwright, wechatpy, hypothesis) are for `make test`.
$(SERVE_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

run: $(SERVE_STAMP)
	$(BIN)/advisor init
	$(BIN)/advisor serve --host $(HOST) --port $(PORT)

test: install $(AXE)
	$(BIN)/python -m pytest -q

# Without npm the accessibility tests skip and say why; `.ci/run` installs npm.
$(AXE): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix $(AXE_DIR) --no-audit --no-fund --silent && touch $(AXE); \
	else echo "npm not found: the console's accessibility tests will skip"; fi

bench: install
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) instance .pytest_cache $(AXE_DIR)/node_modules
