#!/usr/bin/env bash
# The certificates, keys and kubeconfigs of the source-built control plane, made with openssl in
#   $CLUSTER_RUN_DIR/pki (default .run/cluster/pki)
# Idempotent: a certificate is kept while it is signed by the current CA, matches its key, is valid
# for another day and was made from the same subject and SANs (its .spec file); anything else is
# remade. Removing the directory starts a new CA. The kubeconfigs are rewritten on every run (they
# name the apiserver's port, APISERVER_PORT, default 6443).
#
#   ca.{crt,key}                    cluster CA: client certs, kubelet, controller-manager signing
#   apiserver.{crt,key}             serving: 127.0.0.1, localhost, 10.96.0.1, kubernetes.default.svc…
#   apiserver-kubelet-client.*      apiserver -> kubelet (system:masters)
#   front-proxy-ca.*, front-proxy-client.*   aggregation layer (requestheader)
#   etcd/ca.*, etcd/server.*, apiserver-etcd-client.*   etcd over mutual TLS
#   sa.key, sa.pub                  service-account token signing pair
#   admin.*, controller-manager.*, scheduler.*, kubelet.*  client certs + <name>.kubeconfig
#   kube-proxy.*, kube-network-policies.*                  the node's other clients (node.sh)
# APISERVER_ADDRESS (default 127.0.0.1): the address the kubeconfigs name; any other address is also
# put in the apiserver certificate (the node's address, which pods reach through 10.96.0.1)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
PKI="$RUN_DIR/pki"
APISERVER_PORT="${APISERVER_PORT:-6443}"
APISERVER_ADDRESS="${APISERVER_ADDRESS:-127.0.0.1}"
# The node the kubelet certificate is for (system:node:<name>, what NodeRestriction checks)
NODE_NAME="${CLUSTER_NODE_NAME:-shopscope-node}"
# The first IP of the service range (kube-apiserver --service-cluster-ip-range 10.96.0.0/16)
SERVICE_IP=10.96.0.1
DAYS=365
command -v openssl >/dev/null || { echo "pki: openssl is missing" >&2; exit 1; }
umask 077
mkdir -p "$PKI/etcd"

# key <file>: an RSA 2048 key, made once
key() { [ -s "$1" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# ca <name> <CN>: a self-signed CA, kept while valid for another 30 days
ca() {
  local name=$1 cn=$2
  if [ -s "$PKI/$name.crt" ] && [ -s "$PKI/$name.key" ] &&
    openssl x509 -in "$PKI/$name.crt" -noout -checkend $((30 * 86400)) >/dev/null; then
    return
  fi
  echo "pki: CA $name"
  rm -f "$PKI/$name.crt" "$PKI/$name.key"
  key "$PKI/$name.key"
  openssl req -x509 -new -key "$PKI/$name.key" -subj "/CN=$cn" -days $((DAYS * 10)) -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
    -out "$PKI/$name.crt"
}

# cert <name> <ca> <subject> <serverAuth|clientAuth|serverAuth,clientAuth> [SANs]
cert() {
  local name=$1 ca=$2 subject=$3 usage=$4 sans=${5:-}
  local spec="$subject|$usage|$sans|$ca"
  local crt="$PKI/$name.crt" k="$PKI/$name.key"
  if [ -s "$crt" ] && [ -s "$k" ] && [ "$(cat "$PKI/$name.spec" 2>/dev/null)" = "$spec" ] &&
    openssl verify -CAfile "$PKI/$ca.crt" "$crt" >/dev/null 2>&1 &&
    openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null &&
    [ "$(openssl x509 -in "$crt" -noout -pubkey)" = "$(openssl pkey -in "$k" -pubout)" ]; then
    return
  fi
  echo "pki: $name ($subject${sans:+, $sans})"
  key "$k"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$sans" ] || echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -key "$k" -subj "$subject" |
    openssl x509 -req -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days "$DAYS" \
      -sha256 -extfile "$ext" -out "$crt" 2>/dev/null
  rm -f "$ext"
  printf '%s' "$spec" >"$PKI/$name.spec"
}

# kubeconfig <name> <user>: <name>.kubeconfig with <name>'s client cert, CA and server embedded
kubeconfig() {
  local name=$1 user=$2 b64='base64 -w0'
  cat >"$PKI/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: shopscope
  cluster:
    server: https://$APISERVER_ADDRESS:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $($b64 <"$PKI/$name.crt")
    client-key-data: $($b64 <"$PKI/$name.key")
contexts:
- name: $user@shopscope
  context:
    cluster: shopscope
    user: $user
current-context: $user@shopscope
EOF
}

ca ca kubernetes
ca front-proxy-ca front-proxy-ca
ca etcd/ca etcd-ca

apiserver_sans="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$SERVICE_IP"
[ "$APISERVER_ADDRESS" = 127.0.0.1 ] || apiserver_sans+=",IP:$APISERVER_ADDRESS"
cert apiserver ca /CN=kube-apiserver serverAuth "$apiserver_sans"
cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert front-proxy-client front-proxy-ca /CN=front-proxy-client clientAuth
cert etcd/server etcd/ca /CN=etcd serverAuth,clientAuth "DNS:localhost,IP:127.0.0.1"
cert apiserver-etcd-client etcd/ca /CN=kube-apiserver-etcd-client clientAuth

cert admin ca "/O=system:masters/CN=kubernetes-admin" clientAuth
cert controller-manager ca /CN=system:kube-controller-manager clientAuth
cert scheduler ca /CN=system:kube-scheduler clientAuth
cert kubelet ca "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
# kube-proxy: system:node-proxier is bound to this user by the default RBAC policy
cert kube-proxy ca /CN=system:kube-proxy clientAuth
# kube-network-policies: node.sh binds its ClusterRole to this user
cert kube-network-policies ca /CN=system:kube-network-policies clientAuth

if [ ! -s "$PKI/sa.key" ] || [ ! -s "$PKI/sa.pub" ]; then
  echo "pki: service-account key pair"
  rm -f "$PKI/sa.key" "$PKI/sa.pub"
  key "$PKI/sa.key"
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
fi

kubeconfig admin kubernetes-admin
kubeconfig controller-manager system:kube-controller-manager
kubeconfig scheduler system:kube-scheduler
kubeconfig kubelet "system:node:$NODE_NAME"
kubeconfig kube-proxy system:kube-proxy
kubeconfig kube-network-policies system:kube-network-policies
