{{/* Base name of every object: "keyward" unless fullnameOverride is set. */}}
{{- define "keyward.fullname" -}}
{{- default "keyward" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "keyward.selectorLabels" -}}
app.kubernetes.io/name: keyward
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keyward.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "keyward.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "keyward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "keyward.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "keyward.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "true" when more than one replica runs or leader election is asked for. */}}
{{- define "keyward.leaderElection" -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.leaderElection.enabled -}}
true
{{- else -}}
false
{{- end -}}
{{- end -}}

{{/* Rules for the namespaces Keyward watches: its custom resources, the Secrets it writes,
     Events, and rollout restarts of the workloads that consume keys. */}}
{{- define "keyward.watchRules" -}}
- apiGroups: ["keyward.dev"]
  resources: ["apikeys", "toolsecrets"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["keyward.dev"]
  resources: ["apikeys/status", "toolsecrets/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["keyward.dev"]
  resources: ["toolgrants"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["keyward.dev"]
  resources: ["toolgrants/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "patch"]
{{- end -}}

{{/* The verifier: its own name, so the operator's selectors never match its pods. */}}
{{- define "keyward.verifier.fullname" -}}
{{- printf "%s-verifier" (include "keyward.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "keyward.verifier.selectorLabels" -}}
app.kubernetes.io/name: keyward-verifier
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keyward.verifier.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "keyward.verifier.selectorLabels" . }}
app.kubernetes.io/component: verifier
app.kubernetes.io/part-of: keyward
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "keyward.verifier.serviceAccountName" -}}
{{- if .Values.verifier.serviceAccount.create -}}
{{- default (include "keyward.verifier.fullname" .) .Values.verifier.serviceAccount.name -}}
{{- else -}}
{{- required "verifier.serviceAccount.name is required when verifier.serviceAccount.create is false" .Values.verifier.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The verifier reads ApiKeys and patches the usage fields of their status; nothing else. */}}
{{- define "keyward.verifier.rules" -}}
- apiGroups: ["keyward.dev"]
  resources: ["apikeys"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["keyward.dev"]
  resources: ["apikeys/status"]
  verbs: ["patch"]
{{- end -}}

{{/* Scope authorization runs in the admission webhook: both must be on. */}}
{{- define "keyward.scopeAuthorization" -}}
{{- and .Values.webhook.enabled .Values.scopeAuthorization.enabled -}}
{{- end -}}

{{/* A list of strings as CEL string literals separated by commas: 'a', 'b'. */}}
{{- define "keyward.quotedList" -}}
{{- $quoted := list -}}
{{- range . -}}
{{- $quoted = append $quoted (printf "'%s'" .) -}}
{{- end -}}
{{- join ", " $quoted -}}
{{- end -}}
