import { Construct } from 'constructs'
import { manifest } from '../api'

export interface LocalPathStorageProps {
  /** rancher's local-path-provisioner image. */
  readonly image: string
  /** The helper pod's image: a shell with mkdir and rm (it runs the setup/teardown scripts). */
  readonly helperImage: string
}

const NAMESPACE = 'local-path-storage'
const NAME = 'local-path-provisioner'
const SERVICE_ACCOUNT = 'local-path-provisioner-service-account'
const ROLE = 'local-path-provisioner-role'
const BINDING = 'local-path-provisioner-bind'
const CONFIG = 'local-path-config'

/**
 * kind's default storage, object for object as kind v0.33's node image ships it
 * (pkg/build/nodeimage/const_storage.go, which kind applies on `kind create cluster`): the
 * provisioner in local-path-storage, volumes under /var/local-path-provisioner on the pod's node,
 * and the default StorageClass `standard` (WaitForFirstConsumer). Only the two images differ.
 */
export class LocalPathStorage extends Construct {
  constructor(scope: Construct, id: string, props: LocalPathStorageProps) {
    super(scope, id)
    const metadata = (name: string) => ({ name, namespace: NAMESPACE })
    manifest(this, 'namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE },
    })
    manifest(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: metadata(SERVICE_ACCOUNT),
    })
    manifest(this, 'role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata(ROLE),
      rules: [
        {
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
        },
      ],
    })
    manifest(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: ROLE },
      rules: [
        {
          apiGroups: [''],
          resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: [''],
          resources: ['persistentvolumes'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        {
          apiGroups: ['storage.k8s.io'],
          resources: ['storageclasses'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    })
    const subjects = [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }]
    manifest(this, 'role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(BINDING),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
      subjects,
    })
    manifest(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: BINDING },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE },
      subjects,
    })
    manifest(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(NAME),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels: { app: NAME } },
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [
              {
                key: 'node-role.kubernetes.io/control-plane',
                operator: 'Equal',
                effect: 'NoSchedule',
              },
              { key: 'node-role.kubernetes.io/master', operator: 'Equal', effect: 'NoSchedule' },
            ],
            serviceAccountName: SERVICE_ACCOUNT,
            containers: [
              {
                name: NAME,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: [
                  'local-path-provisioner',
                  '--debug',
                  'start',
                  '--helper-image',
                  props.helperImage,
                  '--config',
                  '/etc/config/config.json',
                ],
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/config/' }],
                env: [
                  {
                    name: 'POD_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                  { name: 'CONFIG_MOUNT_PATH', value: '/etc/config/' },
                ],
              },
            ],
            volumes: [{ name: 'config-volume', configMap: { name: CONFIG } }],
          },
        },
      },
    })
    manifest(this, 'storage-class', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: 'standard',
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    })
    manifest(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(CONFIG),
      data: {
        'config.json': JSON.stringify(
          {
            nodePathMap: [
              { node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/local-path-provisioner'] },
            ],
          },
          null,
          2,
        ),
        setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"',
        teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"',
        'helperPod.yaml': HELPER_POD(props.helperImage),
      },
    })
  }
}

const HELPER_POD = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: helper-pod
spec:
  priorityClassName: system-node-critical
  tolerations:
    - operator: Exists
      effect: NoSchedule
    - operator: Exists
      effect: NoExecute
  containers:
  - name: helper-pod
    image: ${image}
    imagePullPolicy: IfNotPresent`
