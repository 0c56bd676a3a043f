package deploy

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/config"
)

// repoRoot is where docker-compose.yml and the Dockerfile live.
const repoRoot = ".."

// tollgateVerbs are the commands a tollgate container may run, mapped to the admin
// listen address key its health check must probe ("" for one-shot commands).
var tollgateVerbs = map[string]string{
	"ingest":           "ingest.listen",
	"router":           "router.listen",
	"auditor":          "auditor.listen",
	"topics create":    "",
	"schemas register": "",
	"migrate":          "",
}

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	// No OS environment: ${VAR:-default} resolves to the defaults the file ships with,
	// so the test sees what `docker compose up` sees on a clean machine.
	opts, err := cli.NewProjectOptions([]string{filepath.Join(repoRoot, "docker-compose.yml")},
		cli.WithWorkingDirectory(repoRoot), cli.WithEnv(nil))
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

// oneShot reports whether a service runs to completion (init-*): it never restarts
// and something waits for it with service_completed_successfully.
func oneShot(p *types.Project, name string) bool {
	if p.Services[name].Restart != "no" {
		return false
	}
	for _, s := range p.Services {
		if d, ok := s.DependsOn[name]; ok && d.Condition == types.ServiceConditionCompletedSuccessfully {
			return true
		}
	}
	return false
}

func isTollgate(s types.ServiceConfig) bool { return strings.HasPrefix(s.Image, "tollgate/tollgate:") }

func TestComposeImagesPinned(t *testing.T) {
	p := loadCompose(t)
	if len(p.Services) < 9 {
		t.Fatalf("compose has %d services, want kafka, schema-registry, clickhouse, grafana, 3 init and 3 tollgate services", len(p.Services))
	}
	for name, s := range p.Services {
		if err := checkImageRef(s.Image); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	// Grafana installs the ClickHouse plugin at start: that must be pinned too.
	plugins := envValue(p.Services["grafana"].Environment, "GF_PLUGINS_PREINSTALL_SYNC")
	if !strings.Contains(plugins, "grafana-clickhouse-datasource@") {
		t.Errorf("grafana: GF_PLUGINS_PREINSTALL_SYNC=%q, want grafana-clickhouse-datasource@<version>", plugins)
	}
	if d, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile")); err != nil {
		t.Errorf("Dockerfile: %v", err)
	} else {
		for _, line := range strings.Split(string(d), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && strings.EqualFold(f[0], "FROM") {
				if err := checkImageRef(f[1]); err != nil {
					t.Errorf("Dockerfile %q: %v", line, err)
				}
			}
		}
	}
}

// checkImageRef refuses an image without a tag, with the tag latest, or with a tag that
// names no version (no digit).
func checkImageRef(ref string) error {
	if ref == "" {
		return fmt.Errorf("no image")
	}
	if strings.Contains(ref, "@sha256:") {
		return nil
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return fmt.Errorf("image %q has no tag", ref)
	}
	tag := ref[colon+1:]
	if tag == "latest" || !strings.ContainsAny(tag, "0123456789") && tag != "dev" && tag != "nonroot" {
		return fmt.Errorf("image %q is not pinned to a version", ref)
	}
	return nil
}

func TestComposeHealthAndDependencies(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		if oneShot(p, name) {
			if len(s.Ports) > 0 {
				t.Errorf("one-shot %s publishes ports", name)
			}
		} else if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
			t.Errorf("service %s has no health check", name)
		}
		for dep, d := range s.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
				continue
			}
			want := types.ServiceConditionHealthy
			if oneShot(p, dep) {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != want {
				t.Errorf("%s depends on %s with condition %q, want %q", name, dep, d.Condition, want)
			}
			if want == types.ServiceConditionHealthy && target.HealthCheck == nil {
				t.Errorf("%s waits for %s to be healthy, but %s has no health check", name, dep, dep)
			}
		}
	}
	if cyc := dependencyCycle(p); cyc != "" {
		t.Errorf("depends_on cycle: %s", cyc)
	}
	// The pipeline only works if setup ran first: every long-running tollgate service
	// waits for topics and schemas, and the auditor for the migrations.
	for name, needs := range map[string][]string{
		"ingest":       {"init-topics", "init-schemas"},
		"router":       {"init-topics", "init-schemas"},
		"auditor":      {"init-topics", "init-schemas", "init-migrate"},
		"init-schemas": {"init-topics"},
	} {
		for _, n := range needs {
			if _, ok := p.Services[name].DependsOn[n]; !ok {
				t.Errorf("%s does not wait for %s", name, n)
			}
		}
	}
}

func dependencyCycle(p *types.Project) string {
	state := map[string]int{} // 0 new, 1 on stack, 2 done
	var stack []string
	var visit func(string) string
	visit = func(n string) string {
		switch state[n] {
		case 1:
			return strings.Join(append(stack, n), " -> ")
		case 2:
			return ""
		}
		state[n] = 1
		stack = append(stack, n)
		deps := make([]string, 0, len(p.Services[n].DependsOn))
		for d := range p.Services[n].DependsOn {
			deps = append(deps, d)
		}
		sort.Strings(deps)
		for _, d := range deps {
			if c := visit(d); c != "" {
				return c
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
		return ""
	}
	for _, n := range p.ServiceNames() {
		if c := visit(n); c != "" {
			return c
		}
	}
	return ""
}

func TestComposePortsUnique(t *testing.T) {
	p := loadCompose(t)
	seen := map[string]string{}
	for _, name := range p.ServiceNames() {
		for _, port := range p.Services[name].Ports {
			if port.Published == "" {
				continue
			}
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q; bind demo ports to 127.0.0.1", name, port.Published, port.HostIP)
			}
			key := port.HostIP + ":" + port.Published + "/" + port.Protocol
			if other, dup := seen[key]; dup {
				t.Errorf("host port %s used by %s and %s", key, other, name)
			}
			seen[key] = name
		}
	}
}

// TestComposeTollgateConfig loads the configuration every tollgate container gets —
// its mounted file, its environment, its secrets — with the binary's own loader, and
// checks that addresses point at compose services and health checks at the listener.
func TestComposeTollgateConfig(t *testing.T) {
	p := loadCompose(t)
	verbs := map[string]bool{}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if !isTollgate(s) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			verb := strings.Join(s.Command, " ")
			listenKey, ok := tollgateVerbs[verb]
			if !ok {
				t.Fatalf("command %q is not a tollgate service or setup verb", verb)
			}
			verbs[verb] = true
			cfg := loadContainerConfig(t, p, s)
			if cfg.ClickHouse.Mode != "server" {
				t.Errorf("clickhouse.mode = %q, want server (no embedded engine in the image)", cfg.ClickHouse.Mode)
			}
			if cfg.ClickHouse.Server.Password == "" {
				t.Errorf("clickhouse.server.password is empty: the password_file secret is not mounted")
			}
			for _, b := range cfg.Kafka.Brokers {
				requireService(t, p, "kafka.brokers", b)
			}
			for _, a := range cfg.ClickHouse.Server.Addrs {
				requireService(t, p, "clickhouse.server.addrs", a)
			}
			u, err := url.Parse(cfg.Registry.URL)
			if err != nil {
				t.Fatalf("registry.url: %v", err)
			}
			requireService(t, p, "registry.url", u.Host)
			if listenKey == "" {
				return
			}
			listen := map[string]string{"ingest.listen": cfg.Ingest.Listen, "router.listen": cfg.Router.Listen, "auditor.listen": cfg.Auditor.Listen}[listenKey]
			_, port, _ := net.SplitHostPort(listen)
			probe := strings.Join(s.HealthCheck.Test, " ")
			if !strings.Contains(probe, ":"+port+"/readyz") {
				t.Errorf("health check %q does not probe %s (%s)/readyz", probe, listenKey, listen)
			}
			published := false
			for _, pc := range s.Ports {
				if pc.Target == atou(port) {
					published = true
				}
			}
			if !published {
				t.Errorf("%s %s is not published", listenKey, listen)
			}
		})
	}
	for v := range tollgateVerbs {
		if !verbs[v] {
			t.Errorf("no compose service runs `tollgate %s`", v)
		}
	}
}

// loadContainerConfig rewrites the container paths of s's mounts and secrets to their
// host files and loads the configuration as the container would.
func loadContainerConfig(t *testing.T, p *types.Project, s types.ServiceConfig) *app.Config {
	t.Helper()
	paths := map[string]string{} // container path -> host path
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind {
			paths[v.Target] = v.Source
		}
	}
	for _, sec := range s.Secrets {
		target := sec.Target
		if target == "" {
			target = sec.Source
		}
		if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		def, ok := p.Secrets[sec.Source]
		if !ok || def.File == "" {
			t.Fatalf("secret %s is not a file secret of the project", sec.Source)
		}
		paths[target] = def.File
	}
	env := []string{}
	for k, v := range s.Environment {
		if v != nil {
			env = append(env, k+"="+*v)
		}
	}
	cfgPath := envValue(s.Environment, "TOLLGATE_CONFIG")
	host, ok := paths[cfgPath]
	if !ok {
		t.Fatalf("TOLLGATE_CONFIG=%q is not a mounted file", cfgPath)
	}
	return loadMapped(t, host, paths, env)
}

// loadMapped loads the YAML file at host with every container path in paths replaced by
// its host path; a path the YAML names that is not mounted fails to load.
func loadMapped(t *testing.T, host string, paths map[string]string, env []string) *app.Config {
	t.Helper()
	text, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	targets := make([]string, 0, len(paths))
	for k := range paths {
		targets = append(targets, k)
	}
	// Longest first, so /etc/tollgate/policy.yaml is not rewritten by /etc/tollgate.
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	out := string(text)
	for _, k := range targets {
		out = strings.ReplaceAll(out, k, paths[k])
	}
	file := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := app.LoadConfig(config.Source{File: file, Env: env})
	if err != nil {
		t.Fatalf("tollgate config check rejects %s: %v", host, err)
	}
	return cfg
}

func requireService(t *testing.T, p *types.Project, key, hostport string) {
	t.Helper()
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Errorf("%s %q: %v", key, hostport, err)
		return
	}
	if _, ok := p.Services[h]; !ok {
		t.Errorf("%s %q: host %s is not a compose service", key, hostport, h)
	}
}

func envValue(m types.MappingWithEquals, k string) string {
	if v := m[k]; v != nil {
		return *v
	}
	return ""
}

func atou(s string) uint32 {
	var n uint32
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}
