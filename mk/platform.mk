# The platform: cdk8s synthesis, the app's Helm chart, their validation, and the kind cluster.

CDK8S_DIST := cdk8s/dist
.PHONY: synth test-platform resources cluster-up cluster-down status urls

synth: ## Synthesize the cdk8s app into cdk8s/dist (manifests + kube-prometheus-stack values)
	cd cdk8s && npx tsx src/main.ts

test-platform: tools ## [test] the system model, make's front door, helm lint/template, kubeconform -strict, cdk8s assertions + snapshot, cross-references
	$(NODE_TEST) system/test/*.test.ts cdk8s/test/*.test.ts tests/platform/*.test.ts
	node --import tsx dev/cluster/resources.ts

resources: ## Total CPU/memory requests and limits of the whole stack
	@node --import tsx dev/cluster/resources.ts

# On podman (no registry, no Docker daemon: the engine dev/cluster/kind.ts picks where `docker
# info` fails), cluster-up first builds what kind's nodes then load: the node image, kind itself,
# the stand-ins of the upstream images and the shop's images. With Docker: kind's own node image
# and the laptop's kind; the CLI builds the shop's images with docker.
PODMAN_CLUSTER_INPUTS := kind-node-image tool-kind standins images

cluster-up: tool-helm ## [cluster] The whole system on kind (kind-config.yaml): Docker where its daemon answers, else podman (root)
	@if [ "$$($(DEV) cluster engine)" = podman ]; then $(MAKE) --no-print-directory $(PODMAN_CLUSTER_INPUTS); fi
	@$(DEV) cluster up

cluster-down: ## [cluster] Delete the kind cluster; on podman also what kind leaves on the host, checked
	@$(DEV) cluster down

status: ## [cluster] Nodes, pods and Helm releases of the kind cluster
	@$(DEV) cluster status

urls: ## [cluster] Where the shop, Grafana, Jaeger, Prometheus, Alertmanager and the runbooks answer
	@$(DEV) cluster urls
