package router

import (
	"strings"
	"testing"
)

// FuzzGlobMatch pins the Go glob matcher matches_any uses for policy lists
// to the regular expression compilePattern builds from the same glob, which
// defines the pattern language: the two must agree on every input without a
// newline (input with one goes to the regexp).
func FuzzGlobMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"svc-*", "SVC-payroll"}, {"*@*.iam.gserviceaccount.com", "etl@proj.iam.gserviceaccount.com"},
		{"*password*", "Reset my PASSWORD please"}, {"a?c", "abc"}, {"a?c", "aßc"}, {"*k*", "\u212a"},
		{"*ſ", "S"}, {"**a*b", "xxaxxb"}, {"*a*a*a", "aaaa"}, {"", ""}, {"x", "\xff"}, {"\xff", "\xfe"},
		{"user.authentication.*", "user.authentication.sso"}, {"*-bot", "deploy-bot"}, {"a*", "b"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if strings.HasPrefix(pattern, "re:") || strings.Contains(s, "\n") {
			return
		}
		re, err := compilePattern(pattern)
		if err != nil {
			t.Fatalf("glob %q does not compile: %v", pattern, err)
		}
		if got, want := globMatch(pattern, s), re.MatchString(s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, regexp %s says %v", pattern, s, got, re, want)
		}
	})
}
