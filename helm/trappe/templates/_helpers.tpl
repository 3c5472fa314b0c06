{{/* The release's base name, at most 63 characters. */}}
{{- define "trappe.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every resource. */}}
{{- define "trappe.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The full gRPC name of a service, as the health service reports it. */}}
{{- define "trappe.grpcService" -}}
{{- $names := dict "cases" "trappe.cases.v1.CaseService" "placements" "trappe.placements.v1.PlacementService" "scheduling" "trappe.scheduling.v1.SchedulingService" "workload" "trappe.workload.v1.WorkloadService" -}}
{{- index $names . -}}
{{- end -}}

{{/* The Secret with the Kafka properties file. */}}
{{- define "trappe.kafkaSecret" -}}
{{- .Values.kafka.security.existingSecret | default (printf "%s-kafka" (include "trappe.fullname" .)) -}}
{{- end -}}

{{/* True (non-empty) when the services read a Kafka properties file. */}}
{{- define "trappe.hasKafkaProperties" -}}
{{- if or .Values.kafka.security.existingSecret .Values.kafka.security.properties -}}true{{- end -}}
{{- end -}}

{{/* The Secret with the master key. */}}
{{- define "trappe.masterKeySecret" -}}
{{- .Values.masterKey.existingSecret | default (printf "%s-master-key" (include "trappe.fullname" .)) -}}
{{- end -}}

{{/* The event log URL every service uses (libs/eventlog open.h). */}}
{{- define "trappe.logUrl" -}}
{{- $params := list -}}
{{- $params = append $params (printf "topic.case-events=%s" (.Values.kafka.topics.caseEvents | urlquery)) -}}
{{- $params = append $params (printf "topic.org-events=%s" (.Values.kafka.topics.orgEvents | urlquery)) -}}
{{- range $name, $value := .Values.kafka.parameters -}}
{{- $params = append $params (printf "%s=%s" $name (toString $value | urlquery)) -}}
{{- end -}}
{{- if include "trappe.hasKafkaProperties" . -}}
{{- $params = append $params "properties.file=%2Fetc%2Ftrappe%2Fkafka%2Fkafka.properties" -}}
{{- end -}}
{{- printf "kafka://%s?%s" .Values.kafka.bootstrapServers (join "&" $params) -}}
{{- end -}}
