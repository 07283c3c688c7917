# Two commands do all the set-up on a fresh machine:
#   make demo   - serve Roster on SQLite with a demo tenant (prints URL, token, sign-in)
#   make test   - run every test (SQLite and PostgreSQL; SIP tests start Kamailio and sipp)
SHELL := /bin/bash
PORT ?= 8000
# uv from PATH, else as a module of the Python that installs it (works before a shell rehash).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

.PHONY: setup demo serve test lint bench i18n

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

demo: setup
	$(UV) run roster demo --port $(PORT)

serve: setup
	$(UV) run roster serve

test: setup
	$(UV) run pytest -q

lint: setup
	$(UV) run ruff check src tests bench

bench: setup
	$(UV) run python bench/create_users.py

# Kamailio on 127.0.0.1 against Roster's database (docs/sip.md); Ctrl-C stops it.
.PHONY: sip bench-sip
sip: setup
	$(UV) run roster sip run

bench-sip: setup
	$(UV) run python bench/sip_register.py

# The panel's message catalogues (src/roster/web/locale): extract the messages of the sources and
# templates, merge them into each language's .po, compile the .mo files (both are committed; a
# test fails while a message lacks a translation).
i18n: setup
	$(UV) run pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 \
	  --no-location --omit-header --sort-output -o src/roster/web/locale/messages.pot .
	$(UV) run pybabel update -i src/roster/web/locale/messages.pot -d src/roster/web/locale \
	  --no-location --omit-header --width 100
	$(UV) run pybabel compile -d src/roster/web/locale --statistics
