# The two commands: `make run` serves on the embedded defaults, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The web app's scripts and styles: npm packages pinned in web/package-lock.json, copied into the
# package (src/matjobs/web/static/vendor, git-ignored) so that `matjobs serve` needs no CDN.
WEB_VENDOR := src/matjobs/web/static/vendor/.installed

$(WEB_VENDOR): web/package.json web/package-lock.json src/matjobs/web/vendor.py $(STAMP)
	scripts/ensure-command.sh npm
	npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python -m matjobs.web.vendor web/node_modules
	touch $@

install: $(STAMP) $(WEB_VENDOR)

# The default job runs pw.x in a sandbox: both installed where they can be (root and apt); elsewhere
# the service still starts, and says what to install.
run: install
	@scripts/ensure-espresso.sh || echo "the default job needs Quantum ESPRESSO: install the Debian packages quantum-espresso and quantum-espresso-data, then run make run again" >&2
	@scripts/ensure-command.sh bwrap bubblewrap || echo "jobs on the local cluster run sandboxed: install the Debian package bubblewrap, or set sandbox = false for the cluster in matjobs.toml" >&2
	$(BIN)/matjobs migrate
	@echo "demo credentials (a new token each run):"
	@$(BIN)/matjobs demo
	$(BIN)/matjobs serve

test: install lint
	scripts/ensure-postgres.sh
	scripts/ensure-espresso.sh
	scripts/ensure-command.sh bwrap bubblewrap
	scripts/ensure-command.sh wrk
	scripts/ensure-command.sh curl
	scripts/ensure-command.sh jq
	scripts/ensure-command.sh chromium
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: install
	scripts/ensure-command.sh wrk
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/local_jobs.py
	$(BIN)/python benchmarks/slurm_jobs.py
	$(BIN)/python benchmarks/espresso_job.py
	$(BIN)/python benchmarks/flowchart.py
	$(BIN)/python benchmarks/events.py
	$(BIN)/python benchmarks/login_flood.py
	$(BIN)/python benchmarks/query_budget.py
	$(BIN)/python benchmarks/takeover.py
	scripts/ensure-command.sh chromium
	$(BIN)/python benchmarks/web_jobs_page.py

clean:
	rm -rf $(VENV) var build src/*.egg-info web/node_modules src/matjobs/web/static/vendor
