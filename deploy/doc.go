// Package deploy holds tollgate's deployment artefacts beside the code they run:
// ClickHouse migrations (clickhouse/), Kubernetes manifests (k8s/), Grafana
// provisioning and dashboards (grafana/) and the configuration of docker-compose.yml
// (compose/). It has no Go API: its tests check that the artefacts agree with the
// binary — that the compose file and manifests configure tollgate through keys
// `tollgate config check` accepts, that images are pinned and probes present, and that
// every dashboard query runs on the migrated schema of the real ClickHouse engine.
package deploy
