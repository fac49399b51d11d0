# Pinned Go tools in .tools/bin. A tool already built at its pinned version is not rebuilt, so
# re-runs cost a few milliseconds; the Go build cache (~/.cache/go-build) makes rebuilds cheap.

GO_TOOLS_PROXY ?= https://proxy.golang.org,direct
GO_MISSING = { echo "tools: Go is missing (https://go.dev/dl/), needed for $(1)" >&2; exit 1; }

# $(call go-tool,<binary>,<module>,<package>,<version>)
# `go version -m` reads the module version embedded in the binary: more reliable than each tool's
# own --version output, which depends on link flags that `go install` does not set.
define go-tool
.PHONY: tool-$(1)
tool-$(1):
	@command -v go >/dev/null || $(call GO_MISSING,$(1))
	@if [ -x "$(TOOLS_BIN)/$(1)" ] && go version -m "$(TOOLS_BIN)/$(1)" | grep -Eq "^\s+mod\s+$(2)\s+$(4)(\s|$$$$)"; then \
		echo "tools: $(1) $(4) already installed"; \
	else \
		echo "tools: installing $(1) $(4)"; \
		mkdir -p "$(TOOLS_BIN)"; \
		GOBIN="$(TOOLS_BIN)" GOPROXY="$(GO_TOOLS_PROXY)" go install $(3)@$(4); \
	fi
TOOLS += tool-$(1)
endef

$(eval $(call go-tool,helm,helm.sh/helm/v3,helm.sh/helm/v3/cmd/helm,$(HELM_VERSION)))
$(eval $(call go-tool,kubeconform,github.com/yannh/kubeconform,github.com/yannh/kubeconform/cmd/kubeconform,$(KUBECONFORM_VERSION)))

# Jaeger v2, to validate the config cdk8s synthesizes with the real binary. Its go.mod has
# replace directives, so `go install …@version` refuses it: build inside the module instead,
# and record the version next to the binary (a build inside the module reports "(devel)").
JAEGER_MODULE := github.com/jaegertracing/jaeger
.PHONY: tool-jaeger
tool-jaeger:
	@command -v go >/dev/null || $(call GO_MISSING,jaeger)
	@if [ -x "$(TOOLS_BIN)/jaeger" ] && [ "$$(cat "$(TOOLS_BIN)/jaeger.version" 2>/dev/null)" = "$(JAEGER_MODULE_VERSION)" ]; then \
		echo "tools: jaeger $(JAEGER_MODULE_VERSION) already installed"; \
	else \
		echo "tools: building jaeger $(JAEGER_MODULE_VERSION) (minutes the first time, cached after)"; \
		mkdir -p "$(TOOLS_BIN)"; \
		export GOPROXY="$(GO_TOOLS_PROXY)" GOFLAGS=-mod=mod; \
		dir=$$(go mod download -json $(JAEGER_MODULE)@$(JAEGER_MODULE_VERSION) | sed -n 's/^\s*"Dir": "\(.*\)",$$/\1/p'); \
		(cd "$$dir" && go build -o "$(TOOLS_BIN)/jaeger" ./cmd/jaeger); \
		echo "$(JAEGER_MODULE_VERSION)" > "$(TOOLS_BIN)/jaeger.version"; \
	fi
TOOLS += tool-jaeger

.PHONY: tools
tools: $(TOOLS) ## Pinned Go tools (helm, kubeconform, jaeger) into .tools/bin
