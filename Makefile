# auditor: `make install` then `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PKUSEG_DIR := $(VENV)/share/auditor/pkuseg-default

.PHONY: install test scan bench bench-memory eval clean browser messages

install: $(VENV)/.installed $(PKUSEG_DIR)/weights.npz
	$(PY) -m auditor.gazetteer build
	$(PY) -m auditor.pkuseg_model index

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

# pkuseg's own download site is unreachable; the model ships inside the
# pkuseg 0.0.25 wheel on PyPI, which spacy-pkuseg can load.
$(PKUSEG_DIR)/weights.npz: $(VENV)/.installed
	$(PY) -m auditor.pkuseg_model install --dest $(PKUSEG_DIR)

test:
	$(PY) -m pytest -q

scan:
	$(VENV)/bin/auditor scan seeds/

eval:
	$(PY) scripts/evaluate.py ../shared/dev-eval --out reports/eval --excerpts

bench:
	$(PY) scripts/bench.py --out reports --memos

# Only the main process's memory on one big file (a minute rather than several).
bench-memory:
	$(PY) scripts/bench.py --out reports/bench-memory --only-big-file

# The message catalogue (auditor/locale, read by auditor/i18n.py): re-extract the msgids of the
# code and the report's templates (babel.cfg) into auditor.pot, and merge them into every
# language's .po. New msgids come in untranslated and changed ones fuzzy: both show in English,
# and tests/test_i18n.py fails until they are translated.
messages:
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --project=auditor \
		-o auditor/locale/auditor.pot .
	$(VENV)/bin/pybabel update -i auditor/locale/auditor.pot -d auditor/locale -D auditor \
		--ignore-obsolete -w 120

clean:
	rm -rf build dist *.egg-info reports/*.csv reports/*.json reports/*.html reports/docs reports/eval fixed bench-corpus
