{{/* Names and labels shared by every template. */}}

{{- define "apigw-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already contains the chart name. */}}
{{- define "apigw-operator.fullname" -}}
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

{{- define "apigw-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "apigw-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apigw-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "apigw-operator.labels" -}}
helm.sh/chart: {{ include "apigw-operator.chart" . }}
{{ include "apigw-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: apigw-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* metadata.annotations: commonAnnotations plus the object's own ("extra"); nothing when both are empty. */}}
{{- define "apigw-operator.annotations" -}}
{{- $all := merge (dict) (.extra | default dict) .root.Values.commonAnnotations -}}
{{- with $all -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end }}

{{- define "apigw-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "apigw-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Leader election is always on with more than one replica. */}}
{{- define "apigw-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "apigw-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "apigw-operator.fullname" .)) .Values.leaderElection.id }}
{{- end }}

{{- define "apigw-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* RBAC rules on ApiIntegrations and Events; the same in a ClusterRole or in per-namespace Roles. */}}
{{- define "apigw-operator.objectRules" -}}
- apiGroups: ["apigw.dev"]
  resources: ["apiintegrations"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["apigw.dev"]
  resources: ["apiintegrations/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["apigw.dev"]
  resources: ["apiintegrations/finalizers"]
  verbs: ["update"]
- apiGroups: ["apigw.dev"]
  resources: ["apiroutes"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["apigw.dev"]
  resources: ["apiroutes/status"]
  verbs: ["patch"]
- apiGroups: ["apigw.dev"]
  resources: ["apistages"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["apigw.dev"]
  resources: ["apistages/status"]
  verbs: ["patch"]
- apiGroups: ["apigw.dev"]
  resources: ["apistages/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
