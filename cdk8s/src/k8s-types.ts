// Kubernetes and CRD object types from kubernetes-models / @kubernetes-models/* (generated from
// the upstream OpenAPI and CRD schemas). Those packages are ESM-only, hence resolution-mode:
// only their types are used, never their runtime code.
import type { INamespace } from 'kubernetes-models/v1/Namespace' with {
  'resolution-mode': 'import',
}
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' }
import type { ISecret } from 'kubernetes-models/v1/Secret' with { 'resolution-mode': 'import' }
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap' with {
  'resolution-mode': 'import',
}
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount' with {
  'resolution-mode': 'import',
}
import type { IContainer } from 'kubernetes-models/v1/Container' with {
  'resolution-mode': 'import',
}
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec' with { 'resolution-mode': 'import' }
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with {
  'resolution-mode': 'import',
}
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet' with {
  'resolution-mode': 'import',
}
import type { IStorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass' with {
  'resolution-mode': 'import',
}
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role' with {
  'resolution-mode': 'import',
}
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding' with {
  'resolution-mode': 'import',
}
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet' with {
  'resolution-mode': 'import',
}
import type { IJob } from 'kubernetes-models/batch/v1/Job' with { 'resolution-mode': 'import' }
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' with {
  'resolution-mode': 'import',
}
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole' with {
  'resolution-mode': 'import',
}
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding' with {
  'resolution-mode': 'import',
}
import type { IOpenTelemetryCollector } from '@kubernetes-models/opentelemetry-operator/opentelemetry.io/v1beta1/OpenTelemetryCollector' with {
  'resolution-mode': 'import',
}
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor' with {
  'resolution-mode': 'import',
}
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor' with {
  'resolution-mode': 'import',
}
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule' with {
  'resolution-mode': 'import',
}
import type { IAlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig' with {
  'resolution-mode': 'import',
}

export type Namespace = INamespace
export type Service = IService
export type Secret = ISecret
export type ConfigMap = IConfigMap
export type ServiceAccount = IServiceAccount
export type Container = IContainer
export type PodSpec = IPodSpec
export type Deployment = IDeployment
export type StatefulSet = IStatefulSet
export type DaemonSet = IDaemonSet
export type StorageClass = IStorageClass
export type Role = IRole
export type RoleBinding = IRoleBinding
export type Job = IJob
export type NetworkPolicy = INetworkPolicy
export type ClusterRole = IClusterRole
export type ClusterRoleBinding = IClusterRoleBinding
export type OpenTelemetryCollector = IOpenTelemetryCollector
export type ServiceMonitor = IServiceMonitor
export type PodMonitor = IPodMonitor
export type PrometheusRule = IPrometheusRule
export type AlertmanagerConfig = IAlertmanagerConfig

/** Every object this app synthesizes. */
export type Manifest =
  | Namespace
  | Service
  | Secret
  | ConfigMap
  | ServiceAccount
  | Deployment
  | StatefulSet
  | DaemonSet
  | StorageClass
  | Role
  | RoleBinding
  | Job
  | NetworkPolicy
  | ClusterRole
  | ClusterRoleBinding
  | OpenTelemetryCollector
  | ServiceMonitor
  | PodMonitor
  | PrometheusRule
  | AlertmanagerConfig
