package kafka_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/internal/kafka"
)

func decode(t testing.TB, data []byte) (kafka.Config, error) {
	t.Helper()
	var c kafka.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&c)
	return c, err
}

func load(t *testing.T, name string) (kafka.Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := decode(t, data)
	if err != nil {
		return c, err
	}
	c.ApplyDefaults()
	return c, c.Validate()
}

func TestConfigGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no good configs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := load(t, filepath.Base(f)); err != nil {
				t.Fatalf("valid config rejected: %v", err)
			}
		})
	}
}

func TestConfigFull(t *testing.T) {
	c, err := load(t, "full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.BatchTimeout.D() != 10*time.Millisecond || c.MaxWait.D() != 500*time.Millisecond {
		t.Errorf("durations %v %v", c.BatchTimeout, c.MaxWait)
	}
	if c.Partitions != 6 || c.ReplicationFactor != 3 || c.TopicPrefix != "acme" || c.SASL.Mechanism != kafka.MechanismSCRAMSHA512 {
		t.Errorf("decoded %+v", c)
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := load(t, "minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxWait.D() != 250*time.Millisecond || c.BatchTimeout.D() != 5*time.Millisecond ||
		c.TopicPrefix != "tollgate" || c.Partitions != 3 || c.ReplicationFactor != 1 || c.Compression != "none" {
		t.Errorf("defaults not applied: %v", c)
	}
}

func TestConfigBad(t *testing.T) {
	for file, want := range map[string]string{
		"bad-mechanism.bad.yaml":         `kafka.sasl.mechanism: unknown mechanism "FOO" (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)`,
		"bad-compression.bad.yaml":       `kafka.compression: unknown codec "brotli"`,
		"no-brokers.bad.yaml":            `kafka.brokers: at least one broker`,
		"bad-broker.bad.yaml":            `kafka.brokers[1]: "nohostport" is not host:port`,
		"both-passwords.bad.yaml":        `kafka.sasl.password_file: set either password or password_file`,
		"missing-password-file.bad.yaml": `kafka.sasl.password_file: reading password file`,
		"cert-without-key.bad.yaml":      `kafka.tls.key_file: required when tls.cert_file is set`,
		"bad-duration.bad.yaml":          `"250" is not a duration`,
		"unknown-key.bad.yaml":           `field acks not found`,
	} {
		t.Run(file, func(t *testing.T) {
			_, err := load(t, file)
			if err == nil {
				t.Fatal("invalid config accepted")
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q\nwant it to contain %q", err, want)
			}
		})
	}
}

func TestValidateErrorsWrapSentinel(t *testing.T) {
	c := kafka.Config{Brokers: []string{"x:1"}, Compression: "nope"}
	if err := c.Validate(); !errors.Is(err, kafka.ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
}

func TestConfigNeverPrintsPassword(t *testing.T) {
	c, err := load(t, "full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "hunter2-very-secret"
	if string(c.SASL.Password) != secret {
		t.Fatalf("password not decoded: %q", string(c.SASL.Password))
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%v %+v %s %#v", c, c, c, c)
	fmt.Fprintf(&buf, "%v %+v %s", c.SASL, c.SASL, c.SASL.Password)
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(out)
	if strings.Contains(buf.String(), secret) {
		t.Fatalf("password leaked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "***") {
		t.Fatalf("mask missing:\n%s", buf.String())
	}
}

// FuzzConfigYAML feeds arbitrary YAML through decoding, defaults and
// validation: nothing may panic, and the printed form never holds the
// password.
func FuzzConfigYAML(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decode(t, data)
		if err != nil {
			return
		}
		c.ApplyDefaults()
		_ = c.Validate()
		if c.SASL.Password == "" {
			return
		}
		// The printed form must not depend on the password's value.
		other := c
		other.SASL.Password = "a-different-password"
		if c.String() != other.String() {
			t.Fatalf("String depends on the password:\n%s\n%s", c.String(), other.String())
		}
	})
}
