{{/* Names and labels shared by every template. */}}

{{- define "repwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "repwatch.fullname" -}}
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

{{- define "repwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "repwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "repwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "repwatch.labels" -}}
helm.sh/chart: {{ include "repwatch.chart" . }}
{{ include "repwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: repwatch
{{- end }}

{{- define "repwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "repwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "repwatch.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The ConfigMap that holds the watchlist: an existing one, or the chart's. Empty: built-in. */}}
{{- define "repwatch.watchlistConfigMap" -}}
{{- if .Values.watchlist.existingConfigMap }}
{{- .Values.watchlist.existingConfigMap }}
{{- else if .Values.watchlist.entities }}
{{- printf "%s-watchlist" (include "repwatch.fullname" .) }}
{{- end }}
{{- end }}

{{/* The watchlist document the chart renders from watchlist.entities. */}}
{{- define "repwatch.watchlistDocument" -}}
{{- dict "version" 1 "entities" .Values.watchlist.entities | toYaml }}
{{- end }}

{{/*
Checksum of the watchlist content, as a pod annotation: a change rolls the pods. For an
existing ConfigMap the content is read with `lookup` (empty in a dry run / helm template).
*/}}
{{- define "repwatch.watchlistChecksum" -}}
{{- if .Values.watchlist.existingConfigMap }}
{{- $cm := lookup "v1" "ConfigMap" .Release.Namespace .Values.watchlist.existingConfigMap }}
{{- $cm.data | default dict | toYaml | sha256sum }}
{{- else if .Values.watchlist.entities }}
{{- include "repwatch.watchlistDocument" . | sha256sum }}
{{- end }}
{{- end }}

{{/* Broker ports the NetworkPolicy opens: networkPolicy.kafka.ports or the bootstrap ports. */}}
{{- define "repwatch.kafkaPorts" -}}
{{- $ports := list }}
{{- if .Values.networkPolicy.kafka.ports }}
{{- $ports = .Values.networkPolicy.kafka.ports }}
{{- else }}
{{- range splitList "," .Values.kafka.bootstrapServers }}
{{- $ports = append $ports (last (splitList ":" (trim .)) | int) }}
{{- end }}
{{- end }}
{{- $ports | uniq | toJson }}
{{- end }}

{{- define "repwatch.saslEnabled" -}}
{{- if has .Values.kafka.securityProtocol (list "SASL_PLAINTEXT" "SASL_SSL") }}true{{ end }}
{{- end }}

{{- define "repwatch.tlsEnabled" -}}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}true{{ end }}
{{- end }}

{{/* Fail early on combinations the schema cannot express. */}}
{{- define "repwatch.validate" -}}
{{- if and (include "repwatch.saslEnabled" .) (not .Values.kafka.sasl.existingSecret) }}
{{- fail (printf "kafka.securityProtocol=%s needs kafka.sasl.existingSecret (a Secret with the SASL username and password; credentials are never read from values)" .Values.kafka.securityProtocol) }}
{{- end }}
{{- if and .Values.kafka.tls.existingSecret (not (include "repwatch.tlsEnabled" .)) }}
{{- fail (printf "kafka.tls.existingSecret is set but kafka.securityProtocol=%s does not use TLS (use SSL or SASL_SSL)" .Values.kafka.securityProtocol) }}
{{- end }}
{{- if ne (empty .Values.kafka.tls.certKey) (empty .Values.kafka.tls.keyKey) }}
{{- fail "kafka.tls.certKey and kafka.tls.keyKey go together (mutual TLS needs both)" }}
{{- end }}
{{- if and .Values.kafka.tls.certKey (not .Values.kafka.tls.existingSecret) }}
{{- fail "kafka.tls.certKey/keyKey need kafka.tls.existingSecret" }}
{{- end }}
{{- if and .Values.watchlist.existingConfigMap .Values.watchlist.entities }}
{{- fail "set either watchlist.existingConfigMap or watchlist.entities, not both" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}
