{{- /*
Helpers. The templates use Go's text/template only (no Sprig, no include/toYaml): the deploy
tests render them with Go's own template engine, so what they check is what Helm renders.
Helpers therefore print one-line YAML flow maps, placed with `{{ template … }}`.
*/ -}}

{{- /* Labels every object carries (a flow-map body: wrap it in braces). */ -}}
{{- define "agentidp.labels" -}}
app.kubernetes.io/name: agentidp, app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/version: {{ printf "%q" .Chart.AppVersion }}, app.kubernetes.io/part-of: agentidp, app.kubernetes.io/managed-by: {{ .Release.Service }}, helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- /* The release's pods, whatever their component (a flow-map body). */ -}}
{{- define "agentidp.releaseSelector" -}}
app.kubernetes.io/name: agentidp, app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- /* The image tag: image.tag, else the chart's appVersion. */ -}}
{{- define "agentidp.tag" -}}
{{- if .Values.image.tag }}{{ .Values.image.tag }}{{ else }}{{ .Chart.AppVersion }}{{ end -}}
{{- end -}}

{{- /* Pod-level security context (one line). */ -}}
{{- define "agentidp.podSecurityContext" -}}
{runAsNonRoot: true, runAsUser: {{ .Values.podSecurityContext.runAsUser }}, runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}, fsGroup: {{ .Values.podSecurityContext.fsGroup }}, seccompProfile: {type: RuntimeDefault}}
{{- end -}}

{{- /* Container-level security context (one line). */ -}}
{{- define "agentidp.containerSecurityContext" -}}
{runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
{{- end -}}
