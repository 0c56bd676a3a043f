package main

import (
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/auditor"
)

func TestIdentitiesTableQuotesControlCharacters(t *testing.T) {
	var b strings.Builder
	ps := []auditor.Principal{{Identity: "eve@corp.example", Accounts: []auditor.PrincipalAccount{
		{Account: "00u1eve", Source: auditor.AliasEvent, Reason: "event names 00u1eve with email \x1b]0;pwned\x07"},
		{Account: "arn:aws:iam::1:user/eve", Source: auditor.AliasRule, Reason: "rule aws"},
	}}}
	if err := writePrincipals(&b, "table", ps); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b]0;pwned\a`) {
		t.Fatalf("a control character reached the terminal:\n%q", out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[1], "eve@corp.example") || strings.HasPrefix(lines[2], "eve@") {
		t.Fatalf("table:\n%s", out)
	}
	b.Reset()
	if err := writePrincipals(&b, "json", nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("empty json: %q %v", b.String(), err)
	}
}
