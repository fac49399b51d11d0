# Load and chaos: the Locust scenario of tests/load against the local stack or in the cluster, and
# the kubectl-driven chaos run of scripts/chaos against the kind cluster.

LOCUST := $(TOOLS_BIN)/locust
LOCUSTFILE := tests/load/locustfile.py
LOCAL_STATE := .run/local/state.json
local-url = $$(node -p 'require("./$(LOCAL_STATE)").urls["$(1)"]')
LOAD_TARGETS = FRONTEND_URL=$(call local-url,frontend) \
	PRODUCT_SERVICE_URL=$(call local-url,product-service)
LOAD_UI_PORT ?= 8089

.PHONY: load load-ui load-cluster chaos
load: tool-locust local-up ## Locust shop scenario (ramp 10→20 users, checkout, 10% invalid JSON) on the local stack; LOAD_SCALE=0.2 shortens it
	$(LOAD_TARGETS) $(LOCUST) --locustfile $(LOCUSTFILE) --headless --only-summary

load-ui: tool-locust local-up ## The same scenario in Locust's web UI (live charts), http://127.0.0.1:8089 (LOAD_UI_PORT); Start runs it
	$(LOAD_TARGETS) $(LOCUST) --locustfile $(LOCUSTFILE) --web-host 127.0.0.1 --web-port $(LOAD_UI_PORT)

# A Job's pod template is immutable: the previous run is deleted before the new one is applied.
load-cluster: synth ## The same scenario as a Job in the kind cluster (namespace shop), following its logs
	kubectl --context kind-$(KIND_CLUSTER) -n shop delete job shop-load --ignore-not-found
	kubectl --context kind-$(KIND_CLUSTER) apply -f $(CDK8S_DIST)/90-load-test.k8s.yaml
	kubectl --context kind-$(KIND_CLUSTER) -n shop wait --for=condition=ready pod -l job-name=shop-load --timeout=180s
	kubectl --context kind-$(KIND_CLUSTER) -n shop logs -f job/shop-load
	kubectl --context kind-$(KIND_CLUSTER) -n shop wait --for=condition=complete job/shop-load --timeout=60s

chaos: ## Kill a shop pod, a MySQL pod, scale product-service to zero; check the alerts in Alertmanager
	@scripts/chaos/chaos.sh

# tests/load/*.test.ts run with the local scenarios (mk/local.mk) and need Locust.
test-local: tool-locust
