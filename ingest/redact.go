package ingest

import (
	"encoding/json"
	"strings"
)

// Redacted replaces the value of every secret-bearing key in raw payloads.
const Redacted = "REDACTED"

// secretKeyParts are the key fragments (lower-case, '_' and '-' removed) whose values are
// secrets: passwords, tokens, client secrets, cookies, private keys.
var secretKeyParts = []string{"password", "passwd", "secret", "token", "cookie", "authorization", "privatekey", "apikey", "credential", "signature", "assertion", "samlresponse"}

// notSecretSuffixes keep identifiers and flags readable: "requestApiTokenId" names a token,
// "passwordResetRequired" is a flag, "credentialType" a kind.
var notSecretSuffixes = []string{"id", "ids", "type", "required", "count", "name", "provider", "status", "lastused", "expiration"}

// keySeparators are dropped before matching, so client_secret, client-secret and
// clientSecret compare equal.
var keySeparators = strings.NewReplacer("_", "", "-", "", ".", "")

// isSecretKey reports whether a JSON object key holds a secret.
func isSecretKey(key string) bool {
	k := strings.ToLower(keySeparators.Replace(key))
	for _, s := range notSecretSuffixes {
		if strings.HasSuffix(k, s) {
			return false
		}
	}
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

// Redact returns raw with the value of every secret-bearing key replaced by "REDACTED",
// compacted. Input that is not JSON is returned as nil: raw must never carry unvetted bytes.
func Redact(raw []byte) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return nil
	}
	return out
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecretKey(k) && val != nil {
				t[k] = Redacted
				continue
			}
			t[k] = redactValue(val)
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
		return t
	default:
		return v
	}
}
