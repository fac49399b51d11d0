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
# The cache of cold builds and downloads: every script honours SHOPSCOPE_CACHE, and so does make.
export SHOPSCOPE_CACHE ?= $(HOME)/.cache/shopscope
SHIPPED_NODE_DIR := $(SHOPSCOPE_CACHE)/node-$(NODE_VERSION)
export PATH := $(TOOLS_BIN):$(SHIPPED_NODE_DIR)/bin:$(PATH)

# The dev CLI (dev/main.ts): every recipe that runs the project's own tooling goes through it.
DEV := node --import tsx dev/main.ts

include mk/*.mk
# `export` above hands every variable to every recipe; these run a command when expanded, so they
# are expanded only where a recipe names them.
unexport STOCK_LOCK_HASH STOCK_AUTOINSTRUMENTATION_DIR BENCH

.PHONY: help
help: ## List the targets by group (ALL=1: also their parts)
	@awk -v GROUPS="set-up run test cluster bench" -v ALL="$(ALL)" -f mk/help.awk $(MAKEFILE_LIST)

# Every check but the cluster's, in this order.
CHECKS := test-app test-fuzz test-telemetry test-images test-platform test-collector test-alerts \
	test-local test-bench

# The cluster's cold Go builds (Kubernetes, the stand-ins' binaries) run beside everything else
# from the start (they need only Go, the Debian packages and the shipped Node.js, which Jaeger's
# UI build runs on: fetched before, so that the two sides do not fetch it at once); the stand-ins built on Debian alone
# end the foreground; the cluster phase follows. Niced, but in a session of its own: Linux's
# autogroups give each side about half of the 2 cores while both run (dev/cluster/README.md).
.PHONY: test
test: deps-system shipped-node ## [test] Every check CI runs: deps, build, lint, CHECKS, then the stand-ins and the whole system on a cluster
	@scripts/with-background.sh .run/cluster-prebuild.log "nice -n 19 $(MAKE) --no-print-directory cluster-prebuild" \
		-- $(MAKE) --no-print-directory deps build lint $(CHECKS) standins-debian
	@$(MAKE) --no-print-directory test-standins test-cluster-ci
