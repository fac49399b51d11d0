# The platform: cdk8s synthesis, the app's Helm chart, their validation, and the kind cluster.

CDK8S_DIST := cdk8s/dist
KIND_CLUSTER ?= shopscope

.PHONY: synth test-platform resources cluster-up cluster-down status urls

synth: ## Synthesize the cdk8s app into cdk8s/dist (manifests + kube-prometheus-stack values)
	cd cdk8s && npx tsx src/main.ts

test-platform: tools ## helm lint/template, kubeconform -strict, cdk8s assertions + snapshot, cross-references
	$(NODE_TEST) cdk8s/test/*.test.ts tests/platform/*.test.ts
	node --import tsx scripts/cluster/resources.ts

resources: ## Total CPU/memory requests and limits of the whole stack
	@node --import tsx scripts/cluster/resources.ts

cluster-up: tool-helm ## kind cluster with the whole system (needs docker, kind, kubectl)
	@scripts/cluster/up.sh

cluster-down: ## Delete the kind cluster
	@scripts/cluster/down.sh

status: ## Nodes, pods and Helm releases of the kind cluster
	@scripts/cluster/status.sh

urls: ## Where the shop, Grafana, Jaeger, Prometheus and Alertmanager answer
	@scripts/cluster/urls.sh
