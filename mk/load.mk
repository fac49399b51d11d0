# Load and chaos: the k6 scenario of tests/load against the local stack or in the cluster, and the
# kubectl-driven chaos run of scripts/chaos against the kind cluster.

K6 := $(TOOLS_BIN)/k6
LOCAL_STATE := .run/local/state.json
local-url = $$(node -p 'require("./$(LOCAL_STATE)").urls["$(1)"]')

.PHONY: tool-k6 load load-cluster chaos
# `go version -m` reads the module version embedded in the binary (as mk/tools.mk does).
tool-k6: ## Build the pinned k6 (K6_VERSION) into .tools/bin
	@command -v go >/dev/null || { echo "tools: Go is missing (https://go.dev/dl/), needed for k6" >&2; exit 1; }
	@if [ -x "$(K6)" ] && go version -m "$(K6)" | grep -Eq "^\s+mod\s+go.k6.io/k6\s+$(K6_VERSION)(\s|$$)"; then \
		echo "tools: k6 $(K6_VERSION) already installed"; \
	else \
		echo "tools: installing k6 $(K6_VERSION) (minutes the first time, cached after)"; \
		mkdir -p "$(TOOLS_BIN)"; \
		GOBIN="$(TOOLS_BIN)" GOPROXY="$(GO_TOOLS_PROXY)" go install go.k6.io/k6@$(K6_VERSION); \
	fi

load: tool-k6 local-up ## k6 shop scenario (ramp 10→20 users, checkout, 10% invalid JSON) on the local stack; K6_SCALE=0.2 shortens it
	FRONTEND_URL=$(call local-url,frontend) PRODUCT_SERVICE_URL=$(call local-url,product-service) \
		$(K6) run --no-usage-report tests/load/shop.js

# A Job's pod template is immutable: the previous run is deleted before the new one is applied.
load-cluster: synth ## The same scenario as a Job in the kind cluster (namespace shop), following its logs
	kubectl --context kind-$(KIND_CLUSTER) -n shop delete job shop-load --ignore-not-found
	kubectl --context kind-$(KIND_CLUSTER) apply -f $(CDK8S_DIST)/90-load-test.k8s.yaml
	kubectl --context kind-$(KIND_CLUSTER) -n shop wait --for=condition=ready pod -l job-name=shop-load --timeout=180s
	kubectl --context kind-$(KIND_CLUSTER) -n shop logs -f job/shop-load
	kubectl --context kind-$(KIND_CLUSTER) -n shop wait --for=condition=complete job/shop-load --timeout=60s

chaos: ## Kill a shop pod, a MySQL pod, scale product-service to zero; check the alerts in Alertmanager
	@scripts/chaos/chaos.sh

# tests/load/*.test.ts run with the local scenarios (mk/local.mk) and need k6.
test-local: tool-k6
