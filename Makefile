# fusionsolar-chargehq. Every target is described in docs/reference.md, "Make targets".
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# --- options (make VAR=value) ----------------------------------------------------------------
SCENARIO ?=
LIVE ?=
DRY_RUN ?=
RUNS ?=
SINKS ?=
FULL ?=
PORT ?= 8080
# PYTHON: a Python 3.13 interpreter to build the virtualenvs with (found on PATH or in pyenv).
PYTHON ?=

VENV := .venv
VENV_SAM := .venv-sam
VENV_AUDIT := .venv-audit
VENV_HASS := .venv-hass
PY := $(VENV)/bin/python
# The local tools import the library and the handler as the Lambda runtime would (as pytest does).
RUN_PY := PYTHONPATH="$(CURDIR)/layers/fusioncharge:$(CURDIR)/functions/poller:$(CURDIR)" $(PY)
DEV_STAMP := $(VENV)/.requirements-installed
SAM_STAMP := $(VENV_SAM)/.requirements-installed
HASS_STAMP := $(VENV_HASS)/.requirements-installed
# The IAM policy evaluator of the permission tests (an npm package, run with the system's node).
IAM_SIM := tests/support/iam_simulate
IAM_SIM_STAMP := $(IAM_SIM)/node_modules/.installed
PIP_AUDIT_PIN := pip-audit==2.10.1
# The tiers run on every core (pytest-xdist); a file's tests stay on one worker, so a module's
# fixture (a sam build) is made once. JOBS=1 runs them in one process.
JOBS ?= auto
PYTEST = $(strip $(VENV)/bin/pytest $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile))

# sam build runs pip as python3.13 from PATH, so the dev venv goes first.
SAM := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(VENV_SAM)/bin/sam

# Your own deploy settings (region, Station, ...) live in samconfig.local.toml once the first
# make deploy's questions have written them; until then the shared samconfig.toml.
SAM_CONFIG := $(if $(wildcard samconfig.local.toml),samconfig.local.toml,samconfig.toml)
config_value = $(shell sed -nE 's/^$(1) *= *"([^"]*)".*/\1/p' $(SAM_CONFIG) | tail -n 1)
STACK_NAME ?= $(call config_value,stack_name)
REGION ?= $(call config_value,region)
REGION_OPT = $(if $(REGION),--region $(REGION))
STATE_PARAMETER = /$(STACK_NAME)/fusionsolar-state
# Before anything calls AWS: credentials and a known region, else one line saying how to get
# them (README "AWS access") instead of SAM's or botocore's error. Offline; no AWS call.
AWS_CHECK = $(RUN_PY) -m tools.deploy.aws_access $(REGION)

# One line each, since make runs each recipe line in its own shell.
# is_py313 INTERPRETER: true when it runs and is Python 3.13 (a pyenv shim may not run).
is_py313 = "$(1)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1
# find_py313: print the first working Python 3.13 on PATH or in pyenv's versions.
find_py313 = for p in $(PYTHON) "$$(command -v python3.13)" $$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do if [ -n "$$p" ] && $(call is_py313,$$p); then echo "$$p"; exit 0; fi; done; exit 1
# ensure_venv DIR: (re)create DIR with Python 3.13 unless it already holds one.
ensure_venv = if ! $(call is_py313,$(1)/bin/python); then py="$$($(find_py313))" || { echo "error: Python 3.13 not found. Install it (e.g. 'pyenv install 3.13') or run make PYTHON=/path/to/python3.13" >&2; exit 1; }; echo "Creating $(1) with $$py"; "$$py" -m venv --clear $(1); fi
# pip_install DIR ARGS: install quietly, showing pip's output only when it fails.
pip_install = log="$$(mktemp)"; if ! $(1)/bin/python -m pip install --disable-pip-version-check $(2) >"$$log" 2>&1; then cat "$$log" >&2; rm -f "$$log"; exit 1; fi; rm -f "$$log"

.PHONY: help venv test test-hass unit integration infra typecheck lint fmt mutate check-template run discover emulator bench build deploy deploy-saved configure logs status status-command invoke delete audit clean clean-venvs

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

# --- virtualenvs: created on first use, updated when a requirements file changes -------------
$(DEV_STAMP): requirements-dev.txt layers/fusioncharge/requirements.txt
	@$(call ensure_venv,$(VENV))
	@echo "Installing requirements-dev.txt into $(VENV)"
	@$(call pip_install,$(VENV),-r requirements-dev.txt)
	@touch $@

$(SAM_STAMP): requirements-sam.txt
	@$(call ensure_venv,$(VENV_SAM))
	@echo "Installing requirements-sam.txt into $(VENV_SAM) (AWS SAM CLI; takes a minute the first time)"
	@$(call pip_install,$(VENV_SAM),-r requirements-sam.txt)
	@touch $@

$(HASS_STAMP): requirements-hass.txt
	@$(call ensure_venv,$(VENV_HASS))
	@echo "Installing requirements-hass.txt into $(VENV_HASS) (a real Home Assistant; a few minutes the first time)"
	@$(call pip_install,$(VENV_HASS),-r requirements-hass.txt)
	@touch $@

$(IAM_SIM_STAMP): $(IAM_SIM)/package.json $(IAM_SIM)/package-lock.json
	@command -v npm >/dev/null || { echo "error: the permission tests need Node.js and npm (e.g. 'apt-get install nodejs npm')" >&2; exit 1; }
	@echo "Installing the IAM policy evaluator into $(IAM_SIM)/node_modules"
	@log="$$(mktemp)"; if ! npm ci --prefix $(IAM_SIM) --no-audit --no-fund >"$$log" 2>&1; then cat "$$log" >&2; rm -f "$$log"; exit 1; fi; rm -f "$$log"
	@touch $@

venv: $(DEV_STAMP) $(SAM_STAMP) $(IAM_SIM_STAMP) ## create or update both virtualenvs and the IAM policy evaluator

# --- development -------------------------------------------------------------------------------
test: $(DEV_STAMP) $(SAM_STAMP) $(IAM_SIM_STAMP) ## lint, template checks, type check and every test tier (what CI runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@$(MAKE) --no-print-directory check-template
	@$(MAKE) --no-print-directory typecheck
	$(PYTEST)
	@$(MAKE) --no-print-directory test-hass

# The hass sink against a real Home Assistant on loopback (about a minute once installed).
test-hass: $(DEV_STAMP) $(HASS_STAMP) ## the Home Assistant package and sink against a real Home Assistant
	HASS_BIN="$(CURDIR)/$(VENV_HASS)/bin/hass" $(VENV)/bin/pytest -q tests/homeassistant

# The tiers, cheapest first: unit (no sockets, no subprocess, no moto: seconds), integration
# (the handler against the emulator and moto, and the test bed's own tests), infra (template,
# Makefile, sam). make test runs them all in one pytest, on every core.
unit: $(DEV_STAMP) ## the unit tests only (no sockets, no AWS; well under 30 s)
	$(PYTEST) -q tests/unit

integration: $(DEV_STAMP) $(IAM_SIM_STAMP) ## the handler end to end against the emulator and moto, and the emulator's own tests
	$(PYTEST) -q tests/integration tests/harness

infra: $(DEV_STAMP) $(SAM_STAMP) ## the template, the Makefile and sam
	$(PYTEST) -q tests/infrastructure

typecheck: $(DEV_STAMP) ## mypy, strict, on the library, the handler and the test bed (tools, emulator, bench)
	$(VENV)/bin/mypy layers/fusioncharge/fusioncharge functions/poller/app.py tools emulator bench

lint: $(DEV_STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Not part of make test: minutes of CPU. MODULE=masking.py (or accounting/) for one.
mutate: $(DEV_STAMP) ## mutation testing of the promise modules: kill rate per module, each survivor
	$(PY) -m tools.mutation $(MODULE)

fmt: $(DEV_STAMP) ## format the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# sam validate needs a region but no credentials; AWS is not called.
check-template: $(DEV_STAMP) $(SAM_STAMP) ## cfn-lint and sam validate --lint on template.yaml
	$(VENV)/bin/cfn-lint template.yaml
	AWS_DEFAULT_REGION="$${AWS_DEFAULT_REGION:-$${AWS_REGION:-us-east-1}}" $(SAM) validate --lint --template template.yaml

run: $(DEV_STAMP) ## one poll cycle locally (SCENARIO=file.json LIVE=1 DRY_RUN=1 RUNS=n SINKS=chargehq,hass,pvoutput)
	$(foreach v,SCENARIO LIVE DRY_RUN RUNS SINKS,$(if $($(v)),$(v)='$($(v))')) $(RUN_PY) -m tools.local.run

discover: $(DEV_STAMP) ## list plants and devices (LIVE=1 for your real account)
	$(foreach v,SCENARIO LIVE,$(if $($(v)),$(v)='$($(v))')) $(RUN_PY) -m tools.local.discover

emulator: $(DEV_STAMP) ## serve the FusionSolar emulator on 127.0.0.1 (PORT=8080 SCENARIO=file.json)
	$(RUN_PY) -m emulator --port $(PORT) $(if $(SCENARIO),--scenario '$(SCENARIO)')

bench: $(DEV_STAMP) ## run the benchmarks; the last line is a JSON summary
	$(RUN_PY) -m bench

# --- AWS -------------------------------------------------------------------------------------
build: $(DEV_STAMP) $(SAM_STAMP) ## sam build (into .aws-sam/)
	$(SAM) build --config-file $(SAM_CONFIG)
	@# Lambda cannot write bytecode, so every cold start would compile the layer again
	@# (~560 ms instead of ~370 ms to import the handler): ship it compiled, for Python 3.13.
	@if [ -d .aws-sam/build ]; then $(PY) -m compileall -q -j0 --invalidation-mode unchecked-hash .aws-sam/build; fi

# A stack whose very first create failed sits in ROLLBACK_COMPLETE and can only be deleted
# (on_failure = "DELETE" in samconfig.toml prevents that; older deploys may have left one).
# It holds nothing yet, so it is deleted and the deploy goes on. Needs the AWS CLI.
recover_failed_create = if aws --version >/dev/null 2>&1 && [ "$$(aws cloudformation describe-stacks --stack-name $(STACK_NAME) $(REGION_OPT) --query 'Stacks[0].StackStatus' --output text 2>/dev/null)" = ROLLBACK_COMPLETE ]; then echo "The stack $(STACK_NAME) failed to create earlier (ROLLBACK_COMPLETE) and holds nothing: deleting it first"; aws cloudformation delete-stack --stack-name $(STACK_NAME) $(REGION_OPT) && aws cloudformation wait stack-delete-complete --stack-name $(STACK_NAME) $(REGION_OPT) || exit 1; fi

# The first time, five explained questions (tools/deploy/configure.py); the answers go to
# samconfig.local.toml before AWS is called, so nothing is lost without AWS credentials.
# Later: the saved answers; SET=Name=value changes one setting (checked) and keeps the rest.
# SET reaches the tool through the environment, so quotes in it ("Station=Dad's House") are safe.
deploy: $(DEV_STAMP) $(SAM_STAMP) ## deploy to AWS (5 questions the first time; SET=Name=value changes one setting)
	@[ -f samconfig.local.toml ] || cp samconfig.toml samconfig.local.toml
	@$(RUN_PY) -m tools.deploy.configure $(if $(SET),--set "$$SET")
	@$(MAKE) --no-print-directory deploy-saved

# A second make, so STACK_NAME and REGION come from the answers just saved.
# AWS access and region are checked before sam build, so our one line comes before SAM's advice.
# After the first deploy, the new secret gets the chosen receivers' keys (tools/deploy/first_secret.py).
deploy-saved: $(DEV_STAMP) $(SAM_STAMP)
	@$(AWS_CHECK)
	@$(MAKE) --no-print-directory build
	@$(recover_failed_create)
	$(SAM) deploy --config-file samconfig.local.toml
	@STACK_NAME='$(STACK_NAME)' REGION='$(REGION)' $(RUN_PY) -m tools.deploy.first_secret

configure: $(DEV_STAMP) ## ask the first deploy's 5 questions again (then make deploy)
	@[ -f samconfig.local.toml ] || cp samconfig.toml samconfig.local.toml
	@$(RUN_PY) -m tools.deploy.configure --again

# One line per run (its summary line, filtered at CloudWatch); FULL=1 for every JSON line.
logs: $(SAM_STAMP) $(DEV_STAMP) ## follow the deployed function's runs, one line each (FULL=1: all JSON)
	@$(AWS_CHECK)
	$(if $(FULL),$(SAM) logs --name PollerFunction --stack-name $(STACK_NAME) $(REGION_OPT) --tail,set -o pipefail; $(SAM) logs --name PollerFunction --stack-name $(STACK_NAME) $(REGION_OPT) --tail --output json --filter '"run_outcome"' | $(RUN_PY) -m tools.status.run_lines)

# GNU make exits 2 for any failed recipe: scripts that need the headline's own exit code (0
# WORKING, 1 NOT WORKING, 3 CHECKING, 4 NOT DEPLOYED, 2 AWS could not be asked) run the command
# `make -s status-command` prints: sh -c "$$(make -s status-command)".
STATUS_COMMAND = STACK_NAME='$(STACK_NAME)' REGION='$(REGION)' $(RUN_PY) -m tools.status.report
status: $(DEV_STAMP) ## does the deployed poller work now? last push, last error, console links
	@$(if $(STACK_NAME),$(AWS_CHECK))
	@$(STATUS_COMMAND)

status-command: ## print the command whose exit code is make status's headline (for scripts)
	@echo "$(if $(STACK_NAME),$(AWS_CHECK) && )$(STATUS_COMMAND)"

# Not in make help: a run started by hand usually lands inside Huawei's 5-minute reading
# window (it then skips) or spends the window the next scheduled run needs (that one skips).
# make status answers "does it work?" without either; this stays for those who know.
invoke: $(SAM_STAMP) $(DEV_STAMP)
	@$(AWS_CHECK)
	$(SAM) remote invoke PollerFunction --stack-name $(STACK_NAME) $(REGION_OPT) --event-file events/scheduled.json

# CloudFormation did not create the SSM parameter (the function did), so it is removed here.
delete: $(SAM_STAMP) $(DEV_STAMP) ## delete the stack, then the function's SSM parameter
	@$(AWS_CHECK)
	$(SAM) delete --stack-name $(STACK_NAME) $(REGION_OPT) --config-file $(SAM_CONFIG)
	@cmd="aws ssm delete-parameter --name $(STATE_PARAMETER) $(REGION_OPT)"; \
	lease="aws ssm delete-parameter --name $(STATE_PARAMETER)-lease $(REGION_OPT)"; \
	if ! aws --version >/dev/null 2>&1; then \
	  echo "The AWS CLI is not installed. To finish, delete the function's state parameters with:"; echo "  $$cmd"; echo "  $$lease"; exit 0; \
	fi; \
	if aws cloudformation describe-stacks --stack-name $(STACK_NAME) $(REGION_OPT) >/dev/null 2>&1; then \
	  echo "The stack $(STACK_NAME) still exists; keeping $(STATE_PARAMETER)."; exit 0; \
	fi; \
	$$lease >/dev/null 2>&1 || true; \
	echo "$$cmd"; \
	if out="$$($$cmd 2>&1)"; then echo "Deleted $(STATE_PARAMETER)."; \
	elif grep -q ParameterNotFound <<<"$$out"; then echo "$(STATE_PARAMETER) did not exist (the function never ran)."; \
	else echo "$$out" >&2; echo "Could not delete $(STATE_PARAMETER); run the command above once that is fixed." >&2; exit 1; fi

# Needs the network (PyPI's advisory data); pip-audit gets its own venv to keep .venv as pinned.
audit: ## check the pinned requirements for known vulnerabilities
	@$(call ensure_venv,$(VENV_AUDIT))
	@$(call pip_install,$(VENV_AUDIT),$(PIP_AUDIT_PIN))
	$(VENV_AUDIT)/bin/pip-audit -r layers/fusioncharge/requirements.txt
	$(VENV_AUDIT)/bin/pip-audit -r requirements-dev.txt
	$(VENV_AUDIT)/bin/pip-audit -r requirements-sam.txt

clean: ## remove build output
	rm -rf .aws-sam

clean-venvs: ## remove the virtualenvs and the IAM policy evaluator (the next make recreates them)
	rm -rf $(VENV) $(VENV_SAM) $(VENV_AUDIT) $(VENV_HASS) $(IAM_SIM)/node_modules
