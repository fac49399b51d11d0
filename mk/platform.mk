# The platform: cdk8s synthesis, the app's Helm chart, their validation, and the kind cluster.

CDK8S_DIST := cdk8s/dist
KIND_CLUSTER = $(shell sed -n 's/^name: *//p' kind-config.yaml)

.PHONY: synth test-platform resources cluster-up cluster-down status urls

synth: ## Synthesize the cdk8s app into cdk8s/dist (manifests + kube-prometheus-stack values)
	cd cdk8s && npx tsx src/main.ts

test-platform: tools ## [test] the system model, make's front door, helm lint/template, kubeconform -strict, cdk8s assertions + snapshot, cross-references
	$(NODE_TEST) system/test/*.test.ts cdk8s/test/*.test.ts tests/platform/*.test.ts
	node --import tsx dev/cluster/resources.ts

resources: ## Total CPU/memory requests and limits of the whole stack
	@node --import tsx dev/cluster/resources.ts

# How the cluster targets (chaos, load-cluster) reach the cluster of cluster-up: kubectl (the
# pinned release this machine built, else the one on PATH), kind's context, and Alertmanager's
# NodePort, which kind maps to localhost:9093 (kind-config.yaml).
CLUSTER_KUBECTL := $(or $(wildcard $(SHOPSCOPE_CACHE)/kubernetes-v$(KUBERNETES_VERSION)/bin/kubectl),kubectl)
CLUSTER_ACCESS = KUBECTL=$(CLUSTER_KUBECTL) KUBE_CONTEXT=kind-$(KIND_CLUSTER) ALERTMANAGER_URL=http://localhost:9093

cluster-up: tool-helm ## [cluster] The whole system on kind (kind-config.yaml): Docker where its daemon answers, else podman (root)
	@scripts/cluster/up.sh

cluster-down: ## [cluster] Delete the kind cluster; on podman also what kind leaves on the host, checked
	@scripts/cluster/down.sh

status: ## [cluster] Nodes, pods and Helm releases of the kind cluster
	@scripts/cluster/status.sh

urls: ## [cluster] Where the shop, Grafana, Jaeger, Prometheus and Alertmanager answer
	@scripts/cluster/urls.sh
