# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes, so `make test` stays fast and idempotent.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/advisor init
	$(BIN)/advisor serve

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) instance .pytest_cache
