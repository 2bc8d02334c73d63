# The course's two commands: `make book` and `make test` (see README.md). Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# One environment for executing notebooks and for re-validating them with nbval, so that the
# stored outputs and the re-executed ones are produced under the same conditions.
RUN_ENV := LABS_PROGRESS=0 LABS_THREADS=2 PYTHONHASHSEED=0 HF_HUB_OFFLINE=1 \
	TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OFFLINE := PYTHONPATH=$(CURDIR)/tests/offline tools/offline.sh
TESTS ?= tests book solutions
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=600 \
	--nbval-sanitize-with tests/nbval_sanitize.cfg
# pytest-xdist workers, so that notebook re-execution overlaps the unit and browser tests (2: the
# cores of CI's machine); `make test PYTEST_WORKERS=0` runs everything in one process. loadscope
# keeps each notebook (and each test module) on one worker, its cells in order, as nbval needs.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist loadscope

.PHONY: install book test lab notebooks benchmarks portability colab-check clean clean-cache

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tests/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# axe-core, pinned in tests/package-lock.json, for the browser test's accessibility pass.
	if command -v npm >/dev/null; then npm ci --prefix tests --no-audit --no-fund; \
	else echo "npm not found: the browser test's axe-core pass will skip (install Node.js and npm, then make install)"; fi
	touch $@

# Build the HTML book into _build/html from the stored (nbval-validated) outputs;
# `make book EXECUTE=1` re-executes every notebook during the build instead.
book: install
	$(RUN_ENV) $(BIN)/python tools/build_book.py $(if $(EXECUTE),--execute)

# Every test: labs unit tests, static notebook checks, strict nbval on book/ and solutions/,
# the book build with -W -n and the browser test over it, all with the network cut off.
# `make test TESTS="tests/test_cache.py book/01_embedding.ipynb"` runs a part of them.
test: install
	$(RUN_ENV) $(OFFLINE) $(BIN)/python -m pytest $(TESTS) $(XDIST) $(NBVAL) $(PYTEST_ARGS)

# JupyterLab (MyST rendered by jupyterlab-myst), progress bars on, on the plain-Markdown copies of
# the notebooks in _build/notebooks/ (glued numbers filled in; a copy you changed is kept):
# tools/lab.py. `make lab SOURCES=1` opens book/ and solutions/ themselves, to edit the course.
lab: install
	$(BIN)/python tools/lab.py $(if $(SOURCES),--sources) $(LAB_ARGS)

# Re-execute notebooks in place (all, or NB="book/01_embedding.ipynb ...") to refresh their outputs.
notebooks: install
	$(RUN_ENV) $(OFFLINE) $(BIN)/python tools/execute.py $(or $(NB),--all)

# Time, memory and quality of the whole course, and `make test` in a fresh clone (run by hand;
# about 45 minutes on 2 cores).
# Results: benchmarks/results.md, shown in the book's "Reproducibility and performance" page.
benchmarks: install
	$(OFFLINE) $(BIN)/python benchmarks/run.py --skip make_test $(BENCH_ARGS)
	@# make test in a fresh clone installs from the package registries, as CI does, so it runs
	@# outside the network cut (make test cuts it itself for the tests).
	$(BIN)/python benchmarks/run.py --skip notebooks book quality scaling $(BENCH_ARGS)

# Re-execute every notebook with other numerical kernels (AVX2, MKL COMPATIBLE, OpenBLAS
# Haswell or unset) and compare with the stored outputs as `make test` does (run by hand, ~20
# min). Results: the Portability table of benchmarks/results.md.
portability: install
	$(OFFLINE) $(BIN)/python tools/portability.py $(PORTABILITY_ARGS)

# Replay the Colab path (run by hand, a few minutes; PyPI is the only network it uses): a fresh
# Python 3.12 venv with Colab-like versions, a fake google.colab, this commit served by git daemon
# on 127.0.0.1 in place of GitHub, the setup cell as written, then the first code cells of every
# chapter. Transcript: benchmarks/colab_check.txt.
colab-check: install
	$(BIN)/python tools/colab_check.py $(COLAB_CHECK_ARGS)

clean:
	rm -rf _build

clean-cache: install
	$(BIN)/python -c "from labs import cache; print(cache.clear(), 'cache entries removed')"
