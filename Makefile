# One Small Town on chain. `make run` and `make test` set everything up on a fresh machine
# (a Python virtual environment and the npm toolchain) and are safe to repeat.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-every-database lint bench bench-check lock clean chromium postgresql slither intense catalogs

setup: $(PY_STAMP) $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(PY_STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[api,ape,dev]'
	touch $@

# Ape's foundry provider looks for anvil on PATH: link the npm binary into the environment.
$(BIN)/anvil: $(NPM_STAMP) $(PY_STAMP)
	ln -sf ../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil $@

run: setup
	$(BIN)/ost up examples/town.yaml --with examples/klaarstroom.yaml

# The dashboard's browser tests drive Debian's Chromium (never a browser downloaded at run time).
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  echo "Installing Debian's chromium for the dashboard tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }

# The bridge's tests run on SQLite and on a throwaway cluster of Debian's PostgreSQL (tests/pg.py).
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql for the bridge's tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; }

test: setup $(BIN)/anvil chromium postgresql
	$(BIN)/ost compile
	# Bytecode for the project's own modules, written once: every `ost` the tests start (a hundred bridges and
	# commands) would otherwise compile them again where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q ost_chain api tests benchmarks >/dev/null
	# Four workers on two cores: the bridge tests wait on chains, servers and blocks, and two workers left the
	# cores idle a quarter of the time (six were slower again). Work-stealing: a worker that runs out takes tests
	# queued for another, so the slowest tests do not leave a core idle at the end. The slowest tests are printed.
	$(BIN)/pytest -q -n 4 --dist worksteal --durations=20
	# ape-foundry starts its own anvil on a random port without checking the port is free, and gives up when the node
	# has not answered within 20 s (on a busy machine, one start in ten or so): a start that timed out before any test
	# ran (pytest's INTERNALERROR with RPCTimeoutError) is tried again, up to three times in all; a test that fails is
	# not.
	@mkdir -p build
	for attempt in 1 2 3; do \
	  $(BIN)/ape test tests/ape -q 2>&1 | tee build/ape-test.log; status=$${PIPESTATUS[0]}; \
	  if [ $$status -eq 0 ] || ! grep -q "INTERNALERROR.*RPCTimeoutError" build/ape-test.log; then exit $$status; fi; \
	  echo "ape's own anvil did not answer within 20 s: starting it again"; \
	done; exit 1

# Every bridge test on both SQLite and PostgreSQL (`make test` runs each on the databases it names: see tests/conftest.py).
test-every-database: setup $(BIN)/anvil chromium postgresql
	$(BIN)/ost compile
	OST_TESTS_EVERY_DATABASE=1 $(BIN)/pytest -q -n 4 --dist worksteal --durations=20 tests/api tests/dashboard

# Static analysis in its own environment (slither pins web3 < 8), on the solc-js wrapper; any high or
# medium finding not triaged in docs/security/slither-triage.md fails the run.
SLITHER_VENV := .venv-slither
$(SLITHER_VENV)/.installed:
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install --quiet --upgrade pip
	$(SLITHER_VENV)/bin/pip install --quiet slither-analyzer==0.11.6 crytic-compile==0.4.2
	touch $@

slither: setup $(SLITHER_VENV)/.installed
	@mkdir -p build
	$(BIN)/python -c "from ost_chain._toolchain import solc_executable; from ost_chain.settings import get_settings; solc_executable(get_settings())"
	rm -f build/slither.json
	-$(SLITHER_VENV)/bin/slither contracts --solc .solcx/solc-v0.8.28 --solc-standard-json \
	  --solc-remaps "@openzeppelin/=node_modules/@openzeppelin/" --exclude-dependencies \
	  --filter-paths "node_modules|contracts/test" --json build/slither.json > build/slither.log 2>&1
	$(BIN)/python scripts/slither_triage.py build/slither.json docs/security/slither-triage.md

# The invariant machines with many more examples and steps than CI's (results: docs/invariants.md).
intense: setup $(BIN)/anvil
	$(BIN)/ost compile
	HYPOTHESIS_PROFILE=intense $(BIN)/pytest -q tests/invariants -p no:cacheprovider --durations=0

# The catalogs' template: every sentence marked for translation (babel.cfg says how) into api/locale/ost.pot. Then
# each language takes the new ones to translate (pybabel update -i api/locale/ost.pot -d api/locale -D ost), or a
# new language starts from it (pybabel init -i api/locale/ost.pot -d api/locale -D ost -l xh).
catalogs: setup
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ --no-location --sort-output \
	  --project "One Small Town" -o api/locale/ost.pot .
	# A language begun but not offered yet (docs/extending.md) takes the template's new sentences, and says how far it is.
	for lang in $$($(BIN)/python -c "from api.i18n import begun; print(*begun())"); do \
	  $(BIN)/pybabel --quiet update -i api/locale/ost.pot -d api/locale -D ost -l $$lang --no-fuzzy-matching \
	    --ignore-obsolete || exit 1; \
	  $(BIN)/python -c "from api.i18n import progress; print(progress('$$lang'))"; done

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/gas.py

bench-check: setup
	$(BIN)/python benchmarks/gas.py --check

lock: $(PY_STAMP)
	( echo "# Pinned versions of every Python package, used as pip constraints by \`make setup\`."; \
	  echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^ost-chain' ) > requirements.lock

clean:
	rm -rf build .build .solcx contracts/.cache
