# The kind cluster's add-ons: pod network, NetworkPolicy enforcement and storage for a
# kind cluster created with networking.disableDefaultCNI: make cluster-up on podman applies them
# (scripts/cluster/kind/addons.sh; root); these targets run its steps one by one.

.PHONY: kind-addons-images kind-addons kind-addons-check kind-addons-down
kind-addons-images: ## Stand-ins of the add-ons' images: flannel, kube-network-policies, local-path-provisioner, busybox (cached)
	@scripts/images/standins/build.sh addons busybox

kind-addons: synth ## Pod network (flannel), NetworkPolicies (kube-network-policies), storage onto the kind cluster; waits for Ready nodes
	@scripts/cluster/kind/addons.sh up

kind-addons-check: ## Prove the add-ons: cross-node pod traffic by pod IP, a NetworkPolicy blocking it, a PVC bound
	@scripts/cluster/kind/addons.sh check

kind-addons-down: ## Delete the pod network and NetworkPolicy add-ons from the kind cluster
	@scripts/cluster/kind/addons.sh down
