# Two commands set up and run everything on a fresh machine with Python 3.11+:
#   make demo   builds .venv, installs the lock, runs one real session on the embedded model
#   make test   builds .venv, installs the lock, runs ruff and pytest
# `make lock` refreshes requirements.txt from pyproject's ranges (see the README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.txt
# Reinstall only when the lock or pyproject changes (the stamp is older than them).
STAMP := $(VENV)/.installed
INSTALL_FILES := $(VENV)/.lock-install

.PHONY: demo test lint bench lock check-lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "error: $(PYTHON) is Python %d.%d; patientsim needs Python 3.11 or newer (run make PYTHON=python3.11 ...)" % v[:2])'
	$(PYTHON) -m venv $(VENV)

# Exactly the lock, hash-checked: pip first (so the rest installs with the pinned pip),
# then every package, then patientsim itself with no index at all. A failed install
# removes .venv, so the next run starts clean instead of from a half-built environment.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	@$(PYTHON) .ci/lock.py check
	$(PYTHON) .ci/lock.py install-files $(INSTALL_FILES)
	( $(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(INSTALL_FILES)/pip.lock \
	  && $(BIN)/python -m pip install --quiet --require-hashes --no-deps \
	     --build-constraint $(INSTALL_FILES)/build-constraints.txt -r $(LOCK) \
	  && $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --no-index -e . \
	) || { rm -rf $(VENV); echo "error: installing $(LOCK) failed (pip's message above); .venv removed" >&2; exit 2; }
	touch $@

demo: $(STAMP)
	$(BIN)/patientsim demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Re-resolve the lock; pins that still satisfy pyproject stay. `make lock ARGS=--upgrade`
# moves every pin to the newest allowed release, `ARGS="--upgrade-package litellm"` one.
lock: | $(BIN)/python
	$(PYTHON) .ci/lock.py install-files $(INSTALL_FILES)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(INSTALL_FILES)/uv.lock
	$(PYTHON) .ci/lock.py write $(BIN)/uv $(ARGS)

check-lock:
	@$(PYTHON) .ci/lock.py check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
