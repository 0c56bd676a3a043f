package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-27T10:00:00Z": time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		"24h":                  now.Add(-24 * time.Hour),
		"30d":                  now.AddDate(0, 0, -30),
	}
	for in, want := range cases {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseSince("last tuesday", now); err == nil {
		t.Error("parseSince accepted nonsense")
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{":8080": "127.0.0.1:8080", "[::]:8080": "127.0.0.1:8080", "0.0.0.0:9": "127.0.0.1:9", "10.1.2.3:80": "10.1.2.3:80"} {
		if got := dialable(in); got != want {
			t.Errorf("dialable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRootRefusesUnknownVerbAndBadConfig(t *testing.T) {
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"config", "check", "--set", "kafka.compresion=zstd"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), `kafka.compresion: unknown key, did you mean "compression"?`) || exitCode(err) != 2 {
		t.Fatalf("err = %v (exit %d)", err, exitCode(err))
	}
}
