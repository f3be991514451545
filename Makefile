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

# Quick start: a local single-node Kubernetes, the operator in it, the minimal example cluster
# running; ends with the psql command that connects to it.
run:
	bash scripts/run.sh

sanity:
	bash scripts/sanity.sh

# Stop what 'make run' started (node, add-ons, control plane) and put the machine back as it was.
stop:
	$(PYTHON) tools/localcluster.py --dir .controlplane down
