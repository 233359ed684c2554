# Rapport: `make demo` runs a demo clinic, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test chromium check format lint typecheck install install-test train-coder train-encoders bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/rapport demo --port $(PORT) $(DEMO_ARGS)

test: $(TEST_STAMP) chromium
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium; install it when we can (root with apt).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

format: $(TEST_STAMP)
	$(BIN)/ruff format src tests bench scripts

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

check: lint typecheck test

# Retrains the linear part and rewrites docs/coder.md, keeping the shipped encoders and
# their cross-validation evidence (minutes, no torch).
train-coder: $(TEST_STAMP)
	$(BIN)/python scripts/train_coder.py

# Everything from scratch: fine-tunes the session encoder (MiniLM per utterance, then a GRU
# over the conversation) in a separate torch virtualenv (about 70 minutes on 2 CPU cores),
# then ships it with a retrained linear model.
TRAIN_VENV ?= .train-venv
ENCODERS   ?= build/encoders
train-encoders: $(TEST_STAMP)
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet -r requirements-train.txt
	$(TRAIN_VENV)/bin/python scripts/finetune_session_coder.py --layers 4 --epochs 4 --window 128 --out $(ENCODERS)/session
	$(BIN)/python scripts/train_coder.py --encoder-dir $(ENCODERS)/session

bench: $(TEST_STAMP)
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(TRAIN_VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
