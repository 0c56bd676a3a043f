package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// authenticate checks a request of a source against its configured auth; body is the
// whole request body (needed for HMAC).
func authenticate(a SourceAuth, r *http.Request, body []byte) bool {
	switch a.Mode {
	case AuthSecret:
		got := r.Header.Get(a.Header)
		return subtle.ConstantTimeCompare([]byte(got), []byte(a.Secret.Reveal())) == 1
	case AuthHMAC:
		got := strings.TrimPrefix(strings.TrimSpace(r.Header.Get(a.Header)), "sha256=")
		sig, err := hex.DecodeString(got)
		if err != nil {
			return false
		}
		mac := hmac.New(sha256.New, []byte(a.Secret.Reveal()))
		mac.Write(body)
		return hmac.Equal(sig, mac.Sum(nil))
	default:
		return true
	}
}

// Sign returns the HMAC-SHA256 signature of body with key, hex-encoded with the
// "sha256=" prefix, as senders put it in the configured header.
func Sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
