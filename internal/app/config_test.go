package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/internal/config"
)

func load(t *testing.T, file string, env []string, sets ...string) (*Config, error) {
	t.Helper()
	return LoadConfig(config.Source{File: file, Env: env, Sets: sets})
}

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no good fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := load(t, f, []string{"TEST_HMAC_KEY=hmac-key"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBadConfigs: each bad file fails with an error naming the key and the problem.
func TestBadConfigs(t *testing.T) {
	want := map[string][]string{
		"unknown-key.bad.yaml":          {"kafka.compresion: unknown key", `did you mean "compression"`},
		"unknown-section.bad.yaml":      {"routr: unknown key", `did you mean "router"`},
		"bad-duration.bad.yaml":         {"auditor.flush_interval", "not a duration"},
		"bad-type.bad.yaml":             {"auditor.batch_size", "lots"},
		"bad-sasl.bad.yaml":             {"kafka.sasl.mechanism", `unknown mechanism "FOO"`},
		"missing-secret-file.bad.yaml":  {"ingest.sources.okta.secret_file", "no such file"},
		"bad-mode.bad.yaml":             {"clickhouse.mode", `unknown mode "cloud"`},
		"server-without-addrs.bad.yaml": {"clickhouse.server.addrs", "at least one"},
		"bad-log.bad.yaml":              {"log.level", `unknown level "loud"`},
		"unset-var.bad.yaml":            {"${TOLLGATE_TEST_UNSET_VARIABLE} is not set"},
		"not-yaml.bad.yaml":             {"not valid YAML"},
		"bad-registry-url.bad.yaml":     {"registry.url", "not an http(s) URL"},
		"both-secret.bad.yaml":          {"registry.password", "not both"},
		"bad-grace-kind.bad.yaml":       {"auditor.grace.UNTICKETED", "not a finding kind", "SELF_APPROVED"},
		"bad-suppress.bad.yaml": {"auditor.suppress[0].until", "every suppression ends", "auditor.suppress[0].reason",
			"auditor.suppress[0].principal", "not a glob pattern", `auditor.suppress[0].kind: "OVER_BROAD" is not a finding kind`},
	}
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) != len(want) {
		t.Fatalf("%d bad fixtures, %d expectations: keep the table in step", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := load(t, f, nil)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !errors.Is(err, config.ErrInvalid) {
				t.Errorf("error does not wrap config.ErrInvalid: %v", err)
			}
			for _, s := range want[filepath.Base(f)] {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestOverridesPrecedence(t *testing.T) {
	env := []string{"TOLLGATE_KAFKA_BROKERS=env-a:9092,env-b:9092", "TOLLGATE_AUDITOR_BATCH_SIZE=77", "HOME=/root"}
	cfg, err := load(t, "testdata/production.good.yaml", append(env, "TEST_HMAC_KEY=x"), "auditor.batch_size=88", "router.policy_poll=9s")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Kafka.Brokers, ","); got != "env-a:9092,env-b:9092" {
		t.Errorf("kafka.brokers = %s: environment must override the file", got)
	}
	if cfg.Auditor.BatchSize != 88 {
		t.Errorf("auditor.batch_size = %d: --set must override the environment", cfg.Auditor.BatchSize)
	}
	if cfg.Router.PolicyPoll.String() != "9s" {
		t.Errorf("router.policy_poll = %s", cfg.Router.PolicyPoll)
	}
	if cfg.Kafka.Compression != "zstd" || cfg.ClickHouse.Server.Settings["max_execution_time"] != "60" {
		t.Errorf("file values lost: %+v", cfg.Kafka)
	}
	if cfg.Auditor.Detections.MFAResetWindow == 0 {
		t.Error("unset detection windows must keep their defaults when the file sets others")
	}
}

func TestUnknownEnvironmentKeyIsAnError(t *testing.T) {
	_, err := load(t, "", []string{"TOLLGATE_KAFKA_BROKER=a:9092"})
	if err == nil || !strings.Contains(err.Error(), "TOLLGATE_KAFKA_BROKER") {
		t.Fatalf("err = %v, want one naming TOLLGATE_KAFKA_BROKER", err)
	}
	if _, err := load(t, "", []string{"TOLLGATE_CHDB_LIB=/x/libchdb.so"}); err != nil {
		t.Fatalf("TOLLGATE_CHDB_LIB is not a config key and must be ignored: %v", err)
	}
}

// TestSecretsNeverPrinted: secrets read from files are used but masked in the dump.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg, err := load(t, "testdata/production.good.yaml", []string{"TEST_HMAC_KEY=hmac-key-value"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Registry.Password.Reveal() != "s3cr3t-value" || cfg.Ingest.Sources["okta"].Secret.Reveal() != "s3cr3t-value" {
		t.Fatal("secret files not read")
	}
	out, err := config.Dump(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cr3t-value", "hmac-key-value"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("dump shows secret %q:\n%s", secret, out)
		}
	}
}

func FuzzLoadConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = load(t, path, nil) // must not panic
	})
}

func TestExpansionOnlyInValues(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	text := "# ${NOT_SET_ANYWHERE} in a comment is not expanded\nregistry: {url: \"${TOLLGATE_REGISTRY_HOST_URL}\"}\nkafka: {brokers: [\"${KB}\"]}\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(t, file, []string{"TOLLGATE_REGISTRY_HOST_URL=http://reg:8081", "KB=k1:9092, {x: y}"})
	if err != nil {
		t.Fatalf("a TOLLGATE_* variable the file expands is not a configuration key: %v", err)
	}
	if cfg.Registry.URL != "http://reg:8081" {
		t.Errorf("registry.url = %q", cfg.Registry.URL)
	}
	// A variable's text stays one scalar: it cannot add list items or mappings.
	if len(cfg.Kafka.Brokers) != 1 || cfg.Kafka.Brokers[0] != "k1:9092, {x: y}" {
		t.Errorf("kafka.brokers = %q", cfg.Kafka.Brokers)
	}
}
