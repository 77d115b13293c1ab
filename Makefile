# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint fmt bench fuzz clean lock messages

AXE := tests/console/axe/node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,devstack]'
	touch $(STAMP)

# axe-core (npm) checks the console's accessibility in the browser tests.
$(AXE): tests/console/axe/package-lock.json
	cd tests/console/axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

install: $(STAMP) $(AXE)

# One command, no shell: make forwards SIGTERM straight to the stack.
run: $(STAMP)
	$(BIN)/python -m devstack

# Two processes, a file each (README, Tests: the tiers and their times); TEST_WORKERS=1 for one.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The fast tier: pure functions (parsers, classifiers, renderers, validators), no database or
# server, in seconds. A test joins it with `pytest.mark.fast`; `make test` still runs everything.
# Only modules holding a fast test are imported (tests/conftest.py), and none of the plugins
# that only other tests use (fuzzing, parallel runs).
FAST_PLUGINS_OFF := -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:xdist \
	-p no:anyio
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m fast -q $(FAST_PLUGINS_OFF) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

# The exact versions (and hashes) the image installs: run after changing dependencies.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements.lock

# Texts (gettext, Babel): extract every marked text from the code and templates into the
# template, merge it into each language's catalog, and compile the catalogs the services read.
# Translate the new or changed (fuzzy) entries in shared/locale/LANG/LC_MESSAGES/kontakt.po,
# then run it again; tests/shared/test_catalogs.py fails while one is missing.
LOCALE := shared/locale
# Besides gettext's own names: N_/NC_ (marked, translated later) and the errors whose detail or
# message is a msgid translated per request (shared/errors.py). Not ValidationFailed: Babel reads
# no call inside a keyword's call, so `ValidationFailed([FieldError(f, "msg")])` lost "msg"; its
# own detail, when given, is marked with N_ (tests/shared/test_catalogs.py reads every call).
BABEL_KEYWORDS := N_ NC_:1c,2 NP_:1,2 BadRequest Unauthenticated Forbidden NotFound Conflict TooLarge \
	RateLimited Unavailable Gone FieldError:2 fail:2 problem:2
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg $(addprefix -k ,$(BABEL_KEYWORDS)) --no-location --sort-output \
		--width 100 --project Kontakt --msgid-bugs-address i18n@kontakt.invalid -o $(LOCALE)/kontakt.pot.new .
	# Kept when only POT-Creation-Date changed: a run that changes no text changes no file.
	if [ "$$(grep -v '^"POT-Creation-Date' $(LOCALE)/kontakt.pot.new)" = \
		"$$(grep -sv '^"POT-Creation-Date' $(LOCALE)/kontakt.pot)" ]; then \
		rm $(LOCALE)/kontakt.pot.new; else mv $(LOCALE)/kontakt.pot.new $(LOCALE)/kontakt.pot; fi
	for lang in et lv lt; do \
		$(BIN)/pybabel -q update -D kontakt -i $(LOCALE)/kontakt.pot -d $(LOCALE) -l $$lang \
			--width 100 --ignore-obsolete || exit 1; \
	done
	$(BIN)/pybabel -q compile -D kontakt -d $(LOCALE) --statistics

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache

# A longer fuzzing run than the one in `make test`.
fuzz: install
	FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/test_fuzz.py $(PYTEST_ARGS)
