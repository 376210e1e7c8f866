# Two commands do all the set-up: `make test` and `make demo` create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: redis-server test test-fast demo lint typecheck bench check clean emulator lock

# constraints.txt pins every package of the dev environment, so that a new release of a
# dependency cannot turn a clean tree red; pyproject.toml keeps ranges. `make lock` refreshes it.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	@touch $(STAMP)

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	( echo "# Pinned dev environment: refresh with 'make lock'."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf .venv-lock

# The rate-limit tests start a real redis-server on a loopback port (Debian's package).
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }

test: $(STAMP) redis-server
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Everything but the tests marked slow (docs, notebooks, the soak, multi-process and bench runs).
test-fast: $(STAMP) redis-server
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

demo: $(STAMP)
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check wenxin_core langchain_wenxin llama_index_wenxin

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tests bench examples

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/v2_compare.py
	$(BIN)/python bench/transport.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/langchain_adapter.py
	$(BIN)/python bench/llama_index_adapter.py
	$(BIN)/python bench/framework_floor.py
	$(BIN)/python bench/tool_roundtrip.py
	$(BIN)/python bench/embeddings.py

emulator: $(STAMP)
	$(BIN)/wenxin-emulator --port 8765

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
