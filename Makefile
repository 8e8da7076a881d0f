# Reelstack: the two commands are `make run` and `make test`; each installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
PIP_LOG := $(VENV)/pip.log
PYTEST_ARGS ?=
STAGE ?= dev

.PHONY: install run test test-unit test-integration test-e2e test-localstack lint admin mail deploy package bench bench-transcode clean

install: $(DEPS)

# Re-installs only when the requirements change. ffmpeg: the system's if on PATH,
# else the binary inside the imageio-ffmpeg wheel (see devstack/ffmpeg.py).
$(DEPS): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV) (log: $(PIP_LOG))"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt > $(PIP_LOG) 2>&1 \
		|| { cat $(PIP_LOG); exit 1; }
	@command -v ffmpeg > /dev/null || $(PY) -m pip install -q imageio-ffmpeg >> $(PIP_LOG) 2>&1 \
		|| { cat $(PIP_LOG); exit 1; }
	@echo "ffmpeg: $$($(PY) -m devstack.ffmpeg)"
	@touch $@

run: $(DEPS)
	@$(PY) -m devstack.run

test: $(DEPS)
	@$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(DEPS)
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(DEPS)
	@$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: $(DEPS)
	@$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# The integration tier against real LocalStack, started on the host when none runs
# (prepared once under ~/.cache/reelstack/localstack, stopped again if we started it).
test-localstack: $(DEPS)
	@$(PY) -m devstack.localstack_tests $(PYTEST_ARGS)

lint: $(DEPS)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

mail: $(DEPS)
	@$(PY) -m devstack.mailbox $(if $(TO),--to "$(TO)")

deploy: $(DEPS)
	@$(PY) -m devstack.deploy

admin: $(DEPS)
	@test -n "$(EMAIL)" -a -n "$(PASSWORD)" || { echo "usage: make admin EMAIL=... PASSWORD=..."; exit 2; }
	@$(PY) -m devstack.admin --email "$(EMAIL)" --password "$(PASSWORD)"

# The stage's CloudFormation template under build/$(STAGE)/ (sam.yaml + deployment.zip):
# template-localstack.yml merged with the cloud stack by chalice package, wildcard-checked
# and cfn-linted. `make package STAGE=prod`; README "Deploy to AWS" takes it from there.
package: $(DEPS)
	@$(PY) -m cloud.package --stage $(STAGE)

bench: $(DEPS)
	@$(PY) -m bench.run

bench-transcode: $(DEPS)
	@$(PY) -m bench.transcode_ladder

clean:
	rm -rf $(VENV) .devstack .pytest_cache .mypy_cache .ruff_cache build .chalice/deployments
