# pgkube.operator developer entry points. See README.md.
.PHONY: test unit controlplane-build controlplane-up controlplane-down run stop sanity

PYTHON ?= .venv/bin/python

# Every test, on a fresh machine: installs what it needs, builds (or reuses) the control plane.
test:
	bash scripts/test.sh

unit:
	$(PYTHON) -m pytest tests/unit -q

controlplane-build:
	bash controlplane/build.sh

controlplane-up:
	bash scripts/bootstrap.sh
	$(PYTHON) tools/controlplane.py up --build

controlplane-down:
	$(PYTHON) tools/controlplane.py down

# Quick start: local control plane + CRDs + the minimal example cluster, converged once.
run:
	bash scripts/run.sh

sanity:
	bash scripts/sanity.sh

# Stop what 'make run' started: the watcher, then the control plane.
stop:
	-kill $$(cat .controlplane/watcher.pid 2>/dev/null) 2>/dev/null
	$(PYTHON) tools/controlplane.py down
