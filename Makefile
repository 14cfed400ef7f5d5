# The two commands a person needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/rasa
STAMP     := $(VENV)/.installed
MODEL     := models/screening.tar.gz
RASA_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

# Rasa 3.6 needs Python 3.10. Use $(PYTHON) if given, else a working python3.10 on
# PATH, else one installed by pyenv.
PYTHON ?= $(shell for c in python3.10 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -1); do \
             if $$c -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then echo $$c; break; fi; done)

export RASA_TELEMETRY_ENABLED := false

.PHONY: help install env train migrate directory run test test-python test-rasa validate bench soak lock clean

help:
	@echo "make run    set everything up (first time) and start the assistant"
	@echo "make test   run the whole test suite"
	@echo "make bench  run the benchmarks (results in bench/results, summary in BENCHMARKS.md)"
	@echo "make soak   kill -9 the action server, Rasa and the app 100+ times during screenings (RELIABILITY.md)"

$(STAMP): requirements.lock pyproject.toml package-lock.json
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10) and none was found."; \
	  echo "Install it, for example:  pyenv install 3.10.13   or   apt-get install python3.10 python3.10-venv"; \
	  echo "or point to one:          make run PYTHON=/path/to/python3.10"; \
	  exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip==24.2
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(VENV)/bin/pip check
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for the browser tests' accessibility scanner: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || \
	  echo "Note: \`screening insert\` and its tests need fonts for every script: apt-get install fonts-dejavu-core fonts-noto-cjk"
	@touch $(STAMP)

install: $(STAMP)

# A .env with fresh secret keys, made once from .env.example.
.env: | $(STAMP)
	@cp .env.example .env && chmod 600 .env
	@$(VENV)/bin/screening keys >> .env
	@echo "Wrote .env with new keys (keep it private)."

# An older .env without AUDIT_KEY gets one (the audit log's own key).
env: .env
	@grep -q '^AUDIT_KEY=.' .env || { $(VENV)/bin/screening keys | grep '^AUDIT_KEY=' >> .env && \
	  echo "Added AUDIT_KEY to .env (the audit log's own key; keep it private)."; }

$(MODEL): $(RASA_INPUTS) | $(STAMP)
	$(RASA) train --fixed-model-name screening --out models --quiet

train: $(MODEL)

migrate: .env
	$(VENV)/bin/screening db upgrade

# The shipped Massachusetts directory, loaded when the database has none yet.
directory: migrate
	$(VENV)/bin/screening directory import screening/content/directory/ma --if-empty

run: install env train migrate directory
	$(PY) -m screening.stack

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings

# Story tests run end to end: each message goes through the NLU model, so both the
# reading of every message and the action it leads to must match the story.
test-rasa: validate $(MODEL)
	$(RASA) test core --e2e --model $(MODEL) --stories tests/stories --out var/rasa-test \
	  --fail-on-prediction-errors --no-plot

test-python: $(STAMP) $(MODEL)
	$(PY) -m pytest -q -ra

test: test-rasa test-python

bench: $(STAMP) $(MODEL)
	$(PY) bench/run_all.py

# The long run of the fault suite (not part of `make test`, which runs 6 kills): at least
# 100 kill -9s of the action server, Rasa and the app while people screen, every person
# checked. FAULT_SEED, FAULT_KILLS, FAULT_PEOPLE and FAULT_GAP change it (RELIABILITY.md).
soak: $(STAMP) $(MODEL)
	FAULT_KILLS=$${FAULT_KILLS:-100} FAULT_PEOPLE=$${FAULT_PEOPLE:-4} FAULT_GAP=$${FAULT_GAP:-2,8} \
	  $(PY) -m pytest -q -s tests/faults/test_processes_dying.py

# Re-resolve the locked versions from requirements.in (needs the package index).
lock:
	rm -rf /tmp/screening-lock && $(PYTHON) -m venv /tmp/screening-lock
	/tmp/screening-lock/bin/pip install --quiet pip==24.2 && /tmp/screening-lock/bin/pip install --quiet -r requirements.in
	/tmp/screening-lock/bin/pip check && /tmp/screening-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf models var .pytest_cache
