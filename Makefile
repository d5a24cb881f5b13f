# Lianzheng (链证). Needs python3.11, and node/npm for the interop tests; everything
# else is installed into .venv (and node_modules) from the hash-pinned locks, and
# reinstalled only when a lock, the build requirements or pyproject.toml change.

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lianzheng-installed
# The interop tests' independent implementations (tests/interop/peer.mjs), from
# the npm lock; reinstalled only when package.json or package-lock.json change.
NPM_STAMP := node_modules/.lianzheng-npm
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for each test run (the CI machine has 2 cores).
JOBS ?= 2

.PHONY: run test test-core test-web bench lint install system-deps clean

# Debian packages the project needs beyond Python and npm: the CJK font the PDF
# diplomas embed (fonts-wqy-microhei) and the browser the browser tests drive
# (chromium). Installed once, with apt-get (sudo when not root), only if missing.
SYSTEM_PACKAGES ?= fonts-wqy-microhei chromium

install: system-deps $(STAMP) $(NPM_STAMP)

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements/lock.txt requirements/build.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements/build.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# Everything on one machine: migrate, seed the demo, a local anvil chain with the
# contract deployed, a Celery worker with beat, and the web server (scripts/devserver.py
# prints the URLs and the demo logins; Ctrl-C stops it all).
run: install
	HOST=$(HOST) PORT=$(PORT) $(PY) scripts/devserver.py

# The pure core first, without Django settings: its unit tests, the W3C conformance
# suites (RDFC-1.0, JSON-LD toRdf) and the interop tests against independent
# implementations in node. Then the Django tests (tests/web/django_env.py provides
# the test environment).
PURE_TESTS := tests/core tests/conformance tests/interop

test: test-core test-web

test-core: system-deps $(STAMP) $(NPM_STAMP)
	$(PY) -m pytest -p no:django -n $(JOBS) $(PURE_TESTS)

test-web: system-deps $(STAMP) $(NPM_STAMP)
	$(PY) -m pytest -p tests.web.django_env -n $(JOBS) tests $(addprefix --ignore=,$(PURE_TESTS))

# Figures beside their peers, in one run each: the credential core (vs didkit and
# pyld), batch issuance of 10,000 diplomas on PostgreSQL (vs a didkit loop), and
# Merkle sealing of 1,000,000 leaves plus gas per batch on anvil (vs a naive tree,
# blockcerts-merkletools and pymerkle). Issuance needs PostgreSQL on 127.0.0.1:5432
# (it creates and drops lianzheng_bench; BENCH_DATABASE_URL picks another).
bench: install
	$(PY) bench/run.py
	$(PY) bench/issuance.py
	$(PY) bench/anchoring.py

lint: $(STAMP)
	$(PY) -m mypy
	DEBUG=1 $(PY) manage.py check
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/compile_messages.py --check

clean:
	rm -rf $(VENV) staticfiles
