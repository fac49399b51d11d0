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

# Every check but the cluster's, in this order.
CHECKS := test-app test-fuzz test-telemetry test-images test-platform test-collector test-alerts \
	test-local test-bench

# The cluster's cold Go builds (Kubernetes, the stand-ins' binaries) run beside everything else
# from the start (they need only Go, the Debian packages and the shipped Node.js, which Jaeger's
# UI build runs on: fetched before, so that the two sides do not fetch it at once); the stand-ins built on Debian alone
# end the foreground; the cluster phase follows. Niced, but in a session of its own: Linux's
# autogroups give each side about half of the 2 cores while both run (scripts/cluster/README.md).
.PHONY: test
test: deps-system shipped-node ## Every check CI runs: deps, build, lint, CHECKS, then the stand-ins and the whole system on a cluster
	@scripts/with-background.sh .run/cluster-prebuild.log "nice -n 19 $(MAKE) --no-print-directory cluster-prebuild" \
		-- $(MAKE) --no-print-directory deps build lint $(CHECKS) standins-debian
	@$(MAKE) --no-print-directory test-standins test-cluster-ci
