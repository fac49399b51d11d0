{{/*
envFrom + env of a service's containers (the service and its migrate init container).
Plain settings come from the service's ConfigMap, credentials from the Secret by key.
*/}}
{{- define "shopscope.service.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "shopscope.service.fullname" . }}
env:
  # The contract's service.name whatever the release is called. In `env`, not the ConfigMap:
  # the operator only leaves OTEL_SERVICE_NAME alone when the container's env defines it
  # (otherwise it derives one from the app.kubernetes.io/name label, the chart's name).
  - name: OTEL_SERVICE_NAME
    value: {{ .name | quote }}
  # In `env` too: the operator adds its sampler only where the container defines none.
  - name: OTEL_TRACES_SAMPLER
    value: parentbased_traceidratio
  - name: OTEL_TRACES_SAMPLER_ARG
    value: {{ .root.Values.telemetry.traceSampleRatio | quote }}
  {{- range $var, $key := .svc.secretEnv }}
  - name: {{ $var }}
    valueFrom:
      secretKeyRef:
        name: {{ include "shopscope.secretName" $.root }}
        key: {{ $key }}
  {{- end }}
  {{- if .root.Values.faultInjection.enabled }}
  {{- if eq .root.Values.environment "production" }}
  {{- fail "faultInjection.enabled is refused when environment is production" }}
  {{- end }}
  - name: FAULT_INJECTION_ENABLED
    value: "true"
  - name: ADMIN_PORT
    value: {{ .root.Values.faultInjection.adminPort | quote }}
  - name: FAULT_ADMIN_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ include "shopscope.secretName" .root }}
        key: FAULT_ADMIN_TOKEN
  {{- end }}
  {{- if eq .root.Values.telemetry.mode "bootstrap" }}
  - name: POD_NAME
    valueFrom:
      fieldRef: { fieldPath: metadata.name }
  - name: POD_NAMESPACE
    valueFrom:
      fieldRef: { fieldPath: metadata.namespace }
  - name: NODE_NAME
    valueFrom:
      fieldRef: { fieldPath: spec.nodeName }
  - name: OTEL_RESOURCE_ATTRIBUTES
    value: {{ printf "deployment.environment.name=%s,service.namespace=shopscope,k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.node.name=$(NODE_NAME),k8s.deployment.name=%s" .root.Values.environment (include "shopscope.service.fullname" .) | quote }}
  {{- end }}
{{- end }}
