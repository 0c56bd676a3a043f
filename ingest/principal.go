package ingest

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-io/tollgate/schemas"
)

// CanonicalID is the stable key of a principal across sources: a lower-cased email or UPN,
// an ARN as given, or "<source>:<source id>" when the source knows the principal only by
// its own id. The same person signs in to Okta, Entra and AWS with the same email, so those
// events meet on one key.
func CanonicalID(src schemas.Source, sourceID, emailOrUPN string) string {
	if e := strings.ToLower(strings.TrimSpace(emailOrUPN)); strings.Contains(e, "@") {
		return e
	}
	id := strings.TrimSpace(sourceID)
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	if strings.Contains(id, "@") {
		return strings.ToLower(id)
	}
	if id == "" {
		return ""
	}
	return strings.ToLower(string(src)) + ":" + id
}

// newPrincipal builds a Principal; it returns nil when nothing identifies it.
func newPrincipal(src schemas.Source, sourceID, email, display string, typ schemas.PrincipalType) *schemas.Principal {
	if placeholder(sourceID) {
		sourceID = ""
	}
	if placeholder(email) {
		email = ""
	}
	id := CanonicalID(src, sourceID, email)
	if id == "" {
		return nil
	}
	if sourceID == "" {
		sourceID = email
	}
	p := &schemas.Principal{ID: id, SourceID: sourceID, Type: typ, DisplayName: ptr(display)}
	if e := strings.ToLower(strings.TrimSpace(email)); strings.Contains(e, "@") {
		p.Email = &e
	}
	if p.Type == "" {
		p.Type = schemas.PrincipalUnknown
	}
	if p.Type == schemas.PrincipalHuman || p.Type == schemas.PrincipalUnknown {
		if looksLikeNHI(id) || looksLikeNHI(display) {
			p.Type = schemas.PrincipalNHI
		}
	}
	return p
}

// placeholder reports values feeds put where an identifier was removed or unknown.
func placeholder(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unknown", "redacted", "null", "none", "n/a":
		return true
	}
	return false
}

// nhiWords are the name parts that automation is given: service accounts, bots,
// integrations. A word counts when it stands alone between separators: it starts the name
// or follows one of nhiBefore, and ends the name or precedes one of nhiAfter.
var nhiWords = []string{"svc", "srv", "service", "bot", "robot", "automation", "ci", "cicd", "deploy", "deployer", "terraform", "jenkins", "pipeline", "integration", "api"}

const (
	nhiBefore = "/:@._-"
	nhiAfter  = "._-"
)

// nhiNameFolded is the rule for names that need Unicode case folding (K, ſ and friends):
// the same language as looksLikeNHI's scanner, written as a regular expression.
var nhiNameFolded = regexp.MustCompile(`(?i)(^|[/:@._-])(svc|srv|service|bot|robot|automation|ci|cicd|deploy|deployer|terraform|jenkins|pipeline|integration|api)([._-]|$)|gserviceaccount\.com$|^system@okta\.com$`)

// looksLikeNHI reports whether a principal name follows the naming of non-human identities:
// a word of nhiWords standing alone, a Google service account, or Okta's system principal.
// Case does not matter.
func looksLikeNHI(name string) bool {
	name = strings.TrimSpace(name)
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return nhiNameFolded.MatchString(name)
		}
	}
	if hasSuffixFold(name, "gserviceaccount.com") || strings.EqualFold(name, "system@okta.com") {
		return true
	}
	for i := 0; i < len(name); i++ {
		if i > 0 && strings.IndexByte(nhiBefore, name[i-1]) < 0 {
			continue
		}
		for _, w := range nhiWords {
			end := i + len(w)
			if end <= len(name) && strings.EqualFold(name[i:end], w) && (end == len(name) || strings.IndexByte(nhiAfter, name[end]) >= 0) {
				return true
			}
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
