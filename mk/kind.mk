# kind on podman, where no Docker daemon answers: the steps of make cluster-up there, each a target
# of its own (dev/cluster/README.md, "kind on podman"). Root: podman, debootstrap.

KIND_SCRIPTS := scripts/cluster/kind

.PHONY: kind-host kind-node-image kind-up kind-status kind-down kind-leftovers
kind-host: ## Podman for kind on this host: Debian packages, the project's containers.conf/storage.conf, /lib/modules (root)
	@$(KIND_SCRIPTS)/host.sh

# kind's default storage baked in, as kind's own images carry it (/kind/manifests/default-storage.yaml,
# applied by kind create): the add-ons' 30-storage (make synth), its images preloaded.
KIND_NODE_STORAGE := cdk8s/dist/kind-addons/30-storage.k8s.yaml
kind-node-image: kind-host kind-node-standins synth ## The kind node image of KUBERNETES_VERSION assembled offline (cached in ~/.cache/shopscope)
	@KIND_STORAGE_MANIFEST=$(KIND_NODE_STORAGE) $(KIND_SCRIPTS)/node-image.sh

kind-up: kind-node-image tool-kind ## kind create cluster --config kind-config.yaml on podman with that node image (3 nodes)
	@$(KIND_SCRIPTS)/cluster.sh up

kind-status: ## Nodes, kube-system pods and the nodes' memory of the kind-on-podman cluster
	@$(KIND_SCRIPTS)/cluster.sh status

kind-down: tool-kind ## kind delete cluster, then list what is left on the host
	@$(KIND_SCRIPTS)/cluster.sh down

kind-leftovers: ## What of kind/podman is on the host: containers, networks, bridges, chains, mounts, cgroups
	@$(KIND_SCRIPTS)/cluster.sh leftovers
