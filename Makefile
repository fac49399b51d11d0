# shopscope: the single entry point. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

include versions.env
export

ROOT := $(CURDIR)
TOOLS_BIN := $(ROOT)/.tools/bin
# Every recipe runs on the Node.js the images ship (NODE_VERSION, fetched by `make shipped-node`),
# not on whichever Node the machine has: the tests and the benchmark see the production runtime.
SHIPPED_NODE_DIR := $(HOME)/.cache/shopscope/node-$(NODE_VERSION)
export PATH := $(TOOLS_BIN):$(SHIPPED_NODE_DIR)/bin:$(PATH)

include mk/*.mk

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

.PHONY: test
test: deps build lint test-app test-fuzz test-telemetry test-images test-platform test-collector test-alerts test-local test-bench test-standins test-cluster-ci ## Every check CI runs
