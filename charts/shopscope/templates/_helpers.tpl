{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "shopscope.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. When the release name already contains the chart name it is used as
is, so `helm install shopscope` gives `shopscope-frontend`, not `shopscope-shopscope-frontend`.
*/}}
{{- define "shopscope.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shopscope.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. Never used as a selector: they change between releases. */}}
{{- define "shopscope.labels" -}}
helm.sh/chart: {{ include "shopscope.chart" . }}
{{ include "shopscope.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shopscope
{{- end }}

{{/* Release-wide selector labels: immutable in Deployment selectors, so never add to them. */}}
{{- define "shopscope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shopscope.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Per-service helpers take a dict: {root: $, name: "<service>", svc: <values of that service>}.
*/}}
{{- define "shopscope.service.fullname" -}}
{{- printf "%s-%s" (include "shopscope.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shopscope.service.selectorLabels" -}}
{{ include "shopscope.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "shopscope.service.labels" -}}
{{ include "shopscope.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/*
The pod's topologySpreadConstraints: the release's topologySpread, each key of which the
service's own topologySpread overrides (key by key, so `enabled: false` wins over `true`, which a
merge would drop). Counted over the service's immutable selector labels.
*/}}
{{- define "shopscope.service.topologySpreadConstraints" -}}
{{- $spread := deepCopy .root.Values.topologySpread }}
{{- range $key, $value := .svc.topologySpread | default dict }}
{{- $_ := set $spread $key $value }}
{{- end }}
{{- if $spread.enabled }}
- maxSkew: {{ $spread.maxSkew }}
  topologyKey: {{ $spread.topologyKey }}
  whenUnsatisfiable: {{ $spread.whenUnsatisfiable }}
  nodeTaintsPolicy: Honor
  labelSelector:
    matchLabels:
      {{- include "shopscope.service.selectorLabels" . | nindent 6 }}
  matchLabelKeys: [pod-template-hash]
{{- end }}
{{- end }}

{{/* Image reference of one service: <registry>/<repository prefix>/<service>:<tag>. */}}
{{- define "shopscope.service.image" -}}
{{- $image := .root.Values.image }}
{{- $repository := printf "%s/%s" $image.repository .name }}
{{- if $image.registry }}{{ $repository = printf "%s/%s" $image.registry $repository }}{{ end }}
{{- printf "%s:%s" $repository ($image.tag | default .root.Chart.AppVersion) }}
{{- end }}

{{- define "shopscope.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shopscope.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding credentials: the user's existing one, or the one this chart renders. */}}
{{- define "shopscope.secretName" -}}
{{- default (printf "%s-secrets" (include "shopscope.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* Base URL of another service of this release, e.g. http://shopscope-user-service:8081. */}}
{{- define "shopscope.service.url" -}}
{{- $svc := index .root.Values.services .name }}
{{- printf "http://%s:%v" (include "shopscope.service.fullname" .) $svc.port }}
{{- end }}

{{/* The services' names: the keys of .Values.services (values.schema.json names the four). */}}
{{- define "shopscope.serviceNames" -}}
{{- keys .Values.services | sortAlpha | join " " }}
{{- end }}
