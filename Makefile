# Reelstack: the two commands are `make run` and `make test`; each installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
PIP_LOG := $(VENV)/pip.log
PYTEST_ARGS ?=
STAGE ?= dev
# The web player's npm dependencies (hls.js; swagger-ui-dist for /docs), installed from
# web/package-lock.json without install scripts (swagger-ui-dist's would report telemetry).
WEB_DEPS := web/node_modules/.package-lock.json
# Debian packages when a command is missing (as root, or through sudo when there is one).
APT_INSTALL = $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q

.PHONY: install browser run reset test test-unit test-integration test-e2e test-image-ffmpeg test-localstack lint admin mail upload deploy package bench bench-transcode bench-load clean

install: $(DEPS) $(WEB_DEPS)

# Re-installs only when the requirements change. ffmpeg: the system's if on PATH and at
# least 9.0, else the binary inside the imageio-ffmpeg wheel, at the image's pin
# (devstack/ffmpeg.py; older releases read our command lines differently).
$(DEPS): requirements.txt requirements-dev.txt containers/transcoder/requirements.txt
	@test -x $(PY) || { echo "[1/3] creating the virtual environment $(VENV) (a few seconds)"; $(PYTHON) -m venv $(VENV); }
	@echo "[2/3] installing Python packages into $(VENV): about 1-3 minutes the first time (log: $(PIP_LOG))"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt > $(PIP_LOG) 2>&1 \
		|| { cat $(PIP_LOG); exit 1; }
	@$(PY) -m devstack.ffmpeg --system || { echo "[3/3] no ffmpeg 9 or newer on PATH: installing the imageio-ffmpeg wheel (about 30 s)"; \
		$(PY) -m pip install -q imageio-ffmpeg \
			-c containers/transcoder/requirements.txt >> $(PIP_LOG) 2>&1; } || { cat $(PIP_LOG); exit 1; }
	@echo "ffmpeg: $$($(PY) -m devstack.ffmpeg)"
	@touch $@

$(WEB_DEPS): web/package.json web/package-lock.json
	@command -v npm > /dev/null || { echo "npm not found: installing Debian's nodejs and npm"; \
		$(APT_INSTALL) nodejs npm > /dev/null || { apt-get update -q > /dev/null && $(APT_INSTALL) nodejs npm; }; }
	@echo "installing the web player's hls.js and Swagger UI into web/node_modules (about 10 s)"
	@npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The browser test drives Debian's Chromium (REELSTACK_CHROMIUM names another binary).
browser:
	@test -n "$$REELSTACK_CHROMIUM" || command -v chromium > /dev/null || { \
		echo "chromium not found: installing Debian's chromium for the browser test"; \
		$(APT_INSTALL) chromium > /dev/null 2>&1 || { apt-get update -q > /dev/null && $(APT_INSTALL) chromium > /dev/null; } \
		|| echo "could not install chromium: the browser test will fail (set REELSTACK_CHROMIUM)"; }

# RUN_ARGS: devstack/run.py's options, e.g. RUN_ARGS='--port 8001 --web-port 0'.
RUN_ARGS ?=
run: $(DEPS) $(WEB_DEPS)
	@$(PY) -m devstack.run $(RUN_ARGS)

# Stops whatever a `make run` left running and removes .devstack/ (keys, clips, logs).
reset:
	@if test -x $(PY); then $(PY) -m devstack.reset; else rm -rf .devstack; fi

test: $(DEPS) $(WEB_DEPS) browser
	@$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(DEPS)
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(DEPS)
	@$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: $(DEPS) $(WEB_DEPS) browser
	@$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# The transcoder's e2e tests against another ffmpeg than the image's (not in `make test`:
# getting one downloads), e.g. Debian's: `python -m devstack.debian_ffmpeg trixie /tmp/ff`, then
# `make test-image-ffmpeg FFMPEG=/tmp/ff/bin/ffmpeg FFPROBE=/tmp/ff/bin/ffprobe` (FFPROBE
# empty: the probe reads ffmpeg's banner, as in the image). docs/deploy.md has the results.
test-image-ffmpeg: $(DEPS)
	@test -n "$(FFMPEG)" || { echo "usage: make test-image-ffmpeg FFMPEG=... [FFPROBE=...]"; exit 2; }
	@REELSTACK_FFMPEG="$(FFMPEG)" REELSTACK_FFPROBE="$(FFPROBE)" \
		$(PY) -m pytest tests/e2e/test_transcoder_*.py $(PYTEST_ARGS)

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

# The password is asked at the prompt; PASSWORD=... still works for scripts.
admin: $(DEPS)
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=... (the password is asked)"; exit 2; }
	@REELSTACK_ADMIN_PASSWORD="$(PASSWORD)" $(PY) -m devstack.admin --email "$(EMAIL)"

# A video through the presigned API (resumable), then its transcode followed to ready.
# Who: EMAIL=<admin> (the password is asked) or REELSTACK_TOKEN; UPLOAD_ARGS: --api, --web-url.
UPLOAD_ARGS ?=
upload: $(DEPS)
	@test -n "$(FILE)" || { echo "usage: make upload FILE=video.mp4 [MOVIE=id | TITLE=...] [EMAIL=admin]"; exit 2; }
	@$(PY) -m devstack.upload --file "$(FILE)" $(if $(MOVIE),--movie "$(MOVIE)") \
		$(if $(TITLE),--title "$(TITLE)") $(if $(EMAIL),--email "$(EMAIL)") $(UPLOAD_ARGS)

# The stage's CloudFormation template under build/$(STAGE)/ (sam.yaml + deployment.zip):
# template-localstack.yml merged with the cloud stack by chalice package, wildcard-checked
# and cfn-linted. `make package STAGE=prod`; docs/deploy.md takes it from there.
package: $(DEPS)
	@$(PY) -m cloud.package --stage $(STAGE)

bench: $(DEPS)
	@$(PY) -m bench.run

bench-transcode: $(DEPS)
	@$(PY) -m bench.transcoding

# The dev stack under load, today's emulator against REELSTACK_MOTO_LEGACY=1's;
# BENCH_ARGS=--quick for a smoke run, or --clients/--seconds/--extra-heartbeats.
bench-load: $(DEPS)
	@$(PY) -m bench.dev_stack_load $(BENCH_ARGS)

clean:
	rm -rf $(VENV) web/node_modules .devstack .pytest_cache .mypy_cache .ruff_cache build .chalice/deployments
