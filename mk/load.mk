# Load and chaos: the Locust scenario of dev/traffic against the local stack or in the cluster, and
# the chaos runs of dev/chaos against the cluster of cluster-up (pods and databases taken away
# with kubectl; a kind node stopped with docker or podman).

.PHONY: load load-ui load-cluster chaos chaos-pods chaos-node
load: tool-locust local-up ## [run] Locust shop scenario (ramp 10→20 users, checkout, 10% invalid JSON) on the local stack; LOAD_SCALE=0.2 shortens it
	@$(DEV) load local

load-ui: tool-locust local-up ## The same scenario in Locust's web UI (live charts), http://127.0.0.1:8089 (LOAD_UI_PORT); Start runs it
	@$(DEV) load local --ui

load-cluster: ## [cluster] The same scenario as a Job in the cluster of cluster-up (namespace shop), following its logs; LOAD_SCALE=0.2 shortens it
	@$(DEV) load cluster

chaos: chaos-pods chaos-node ## [cluster] On the cluster of cluster-up: chaos-pods, then chaos-node

chaos-pods: ## On the cluster of cluster-up: kill a shop pod, take a MySQL and product-service away; alerts fire, are delivered, resolve
	@$(DEV) chaos pods

# kind only (two workers): its nodes are containers, stopped and started with docker or podman.
chaos-node: ## On kind: stop the worker without monitoring under shopper load; pods move, NodeNotReady delivered, the node back, orders audited
	@$(DEV) chaos node

# tests/load/*.test.ts run with the local scenarios (mk/local.mk) and need Locust.
test-local: tool-locust
