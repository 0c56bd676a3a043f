package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/internal/app"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// object is one rendered Kubernetes object.
type object map[string]any

func (o object) kind() string { return str(o, "kind") }
func (o object) name() string { return str(o, "metadata", "name") }

// render builds a kustomization in-process, as `kubectl kustomize DIR` does, so CI
// needs no kubectl.
func render(t *testing.T, dir string) []object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	text, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var out []object
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		var o map[string]any
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("rendered YAML: %v", err)
		}
		out = append(out, object(o))
	}
	return out
}

func TestKustomizeProduction(t *testing.T) {
	objs := render(t, "k8s/overlays/production")
	byKind := map[string][]object{}
	for _, o := range objs {
		byKind[o.kind()] = append(byKind[o.kind()], o)
		if ns := str(o, "metadata", "namespace"); o.kind() != "Namespace" && ns != "tollgate" {
			t.Errorf("%s/%s in namespace %q, want tollgate", o.kind(), o.name(), ns)
		}
	}
	deployments := map[string]object{}
	for _, d := range byKind["Deployment"] {
		deployments[d.name()] = d
	}
	for _, want := range []string{"tollgate-ingest", "tollgate-router", "tollgate-auditor"} {
		if _, ok := deployments[want]; !ok {
			t.Errorf("no Deployment %s", want)
		}
	}
	configMaps := map[string]object{}
	for _, c := range byKind["ConfigMap"] {
		configMaps[c.name()] = c
	}
	if _, ok := configMaps["tollgate-policy"]; !ok {
		t.Errorf("the policy ConfigMap must keep the stable name tollgate-policy (no hash), so edits reach running routers; got %v", keys(configMaps))
	}
	for name, d := range deployments {
		t.Run(name, func(t *testing.T) { checkDeployment(t, d, configMaps, byKind) })
	}
	hpaTargets := map[string]bool{}
	for _, h := range byKind["HorizontalPodAutoscaler"] {
		hpaTargets[str(h, "spec", "scaleTargetRef", "name")] = true
	}
	if !hpaTargets["tollgate-ingest"] {
		t.Errorf("no HorizontalPodAutoscaler for tollgate-ingest")
	}
	if hpaTargets["tollgate-router"] || hpaTargets["tollgate-auditor"] {
		t.Errorf("router/auditor replicas are tied to partitions and must not be autoscaled")
	}
	if len(byKind["NetworkPolicy"]) == 0 {
		t.Errorf("no NetworkPolicy")
	}
	// Replica guidance: a consumer group member beyond the partition count is idle.
	cfg := renderedConfig(t, configMaps)
	if r := num(deployments["tollgate-router"], "spec", "replicas"); r > cfg.Kafka.Partitions {
		t.Errorf("router replicas %d > kafka.partitions %d: the extra pods would sit idle", r, cfg.Kafka.Partitions)
	}
	if cfg.Kafka.ReplicationFactor < 3 {
		t.Errorf("production kafka.replication_factor = %d, want 3", cfg.Kafka.ReplicationFactor)
	}
	if cfg.ClickHouse.Cluster == "" {
		t.Errorf("production clickhouse.cluster is empty: the single-node DDL would be applied")
	}
}

func checkDeployment(t *testing.T, d object, configMaps map[string]object, byKind map[string][]object) {
	t.Helper()
	pod := get(d, "spec", "template")
	labels, _ := get(pod, "metadata", "labels").(map[string]any)
	if v := str(pod, "metadata", "annotations", "prometheus.io/scrape"); v != "true" {
		t.Errorf("no prometheus.io/scrape annotation")
	}
	if str(pod, "spec", "securityContext", "runAsNonRoot") != "true" {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	containers, _ := get(pod, "spec", "containers").([]any)
	if len(containers) == 0 {
		t.Fatalf("no containers")
	}
	for _, c := range containers {
		c := object(c.(map[string]any))
		img := str(c, "image")
		if err := checkImageRef(img); err != nil {
			t.Errorf("container %s: %v", str(c, "name"), err)
		}
		if p := str(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
			t.Errorf("container %s: livenessProbe path %q, want /healthz", str(c, "name"), p)
		}
		if p := str(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
			t.Errorf("container %s: readinessProbe path %q, want /readyz", str(c, "name"), p)
		}
		for _, r := range []string{"requests", "limits"} {
			for _, q := range []string{"cpu", "memory"} {
				if str(c, "resources", r, q) == "" {
					t.Errorf("container %s: no resources.%s.%s", str(c, "name"), r, q)
				}
			}
		}
		if str(c, "securityContext", "readOnlyRootFilesystem") != "true" || str(c, "securityContext", "allowPrivilegeEscalation") != "false" {
			t.Errorf("container %s: want readOnlyRootFilesystem true and allowPrivilegeEscalation false", str(c, "name"))
		}
		mounts, _ := get(c, "volumeMounts").([]any)
		for _, m := range mounts {
			if str(object(m.(map[string]any)), "subPath") != "" {
				t.Errorf("container %s mounts with subPath: ConfigMap and Secret updates would never reach the pod", str(c, "name"))
			}
		}
	}
	// Every ConfigMap a pod mounts exists under that exact name.
	vols, _ := get(pod, "spec", "volumes").([]any)
	for _, v := range vols {
		v := object(v.(map[string]any))
		if cm := str(v, "configMap", "name"); cm != "" {
			if _, ok := configMaps[cm]; !ok {
				t.Errorf("volume %s: ConfigMap %s is not rendered", str(v, "name"), cm)
			}
		}
	}
	covered := false
	for _, p := range byKind["PodDisruptionBudget"] {
		sel, _ := get(p, "spec", "selector", "matchLabels").(map[string]any)
		if len(sel) > 0 && matches(sel, labels) {
			covered = true
		}
	}
	if !covered {
		t.Errorf("no PodDisruptionBudget selects its pods (labels %v)", labels)
	}
	policed := false
	for _, np := range byKind["NetworkPolicy"] {
		sel, _ := get(np, "spec", "podSelector", "matchLabels").(map[string]any)
		if len(sel) > 0 && matches(sel, labels) {
			policed = true
		}
	}
	if !policed {
		t.Errorf("no NetworkPolicy selects its pods")
	}
}

// renderedConfig loads tollgate.yaml from the rendered tollgate-config ConfigMap with
// the binary's loader, the policy from tollgate-policy and every secret key from
// secret.example.yaml standing in for the mounted Secret.
func renderedConfig(t *testing.T, configMaps map[string]object) *app.Config {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	var configText string
	for name, cm := range configMaps {
		data, _ := get(cm, "data").(map[string]any)
		switch {
		case strings.HasPrefix(name, "tollgate-config"):
			configText, _ = data["tollgate.yaml"].(string)
		case name == "tollgate-policy":
			policy, _ := data["policy.yaml"].(string)
			f := filepath.Join(dir, "policy.yaml")
			writeFile(t, f, policy)
			paths["/etc/tollgate/policy/policy.yaml"] = f
		}
	}
	if configText == "" {
		t.Fatalf("no tollgate.yaml in a tollgate-config ConfigMap")
	}
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
	}
	text, err := os.ReadFile("k8s/base/secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(text, &secret); err != nil {
		t.Fatalf("secret.example.yaml: %v", err)
	}
	for key := range secret.StringData {
		f := filepath.Join(dir, "secret-"+key)
		// CA files must parse as PEM only when a client is built; the loader reads bytes.
		writeFile(t, f, "stand-in for "+key+"\n")
		paths["/etc/tollgate/secrets/"+key] = f
	}
	cfgFile := filepath.Join(dir, "tollgate.yaml")
	writeFile(t, cfgFile, configText)
	return loadMapped(t, cfgFile, paths, nil)
}

func TestKustomizePolicyIsTheRouterDefault(t *testing.T) {
	base, err := os.ReadFile("k8s/base/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := os.ReadFile("../router/policies/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// kustomize cannot read files outside its root, so the base carries a copy.
	if !bytes.Equal(base, def) {
		t.Errorf("deploy/k8s/base/policy.yaml differs from router/policies/default.yaml: cp router/policies/default.yaml deploy/k8s/base/policy.yaml")
	}
}

func TestKustomizeBaseRenders(t *testing.T) {
	objs := render(t, "k8s/base")
	for _, o := range objs {
		if o.kind() == "Secret" {
			t.Errorf("base renders Secret %s: secrets are referenced, never generated", o.name())
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			if o, isObj := v.(object); isObj {
				m = o
			} else {
				return nil
			}
		}
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string {
	switch x := get(v, path...).(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	default:
		return fmt.Sprint(x)
	}
}

func num(v any, path ...string) int {
	if n, ok := get(v, path...).(int); ok {
		return n
	}
	return 0
}

func matches(selector, labels map[string]any) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
