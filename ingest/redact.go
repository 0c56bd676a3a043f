package ingest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted replaces the value of every secret-bearing key in raw payloads.
const Redacted = "REDACTED"

// secretKeyParts are the key fragments (lower-case, '_' and '-' removed) whose values are
// secrets: passwords, tokens, client secrets, cookies, private keys.
var secretKeyParts = []string{"password", "passwd", "passcode", "passphrase", "secret", "token", "cookie", "authorization", "privatekey", "apikey", "credential", "signature", "assertion", "samlresponse"}

// shortSecretKeys are secret-bearing keys too short or too common as fragments to match
// inside longer keys ("pin" is in "shipping"): they match whole (folded) keys only.
var shortSecretKeys = map[string]bool{"pwd": true, "pin": true, "otp": true, "jwt": true, "totp": true, "hotp": true, "pass": true, "mfacode": true, "otpcode": true, "smscode": true, "verificationcode": true, "securitycode": true, "recoverycode": true}

// notSecretSuffixes keep identifiers and flags readable: "requestApiTokenId" names a token,
// "passwordResetRequired" is a flag, "credentialType" a kind.
var notSecretSuffixes = []string{"id", "ids", "type", "required", "count", "name", "provider", "status", "lastused", "expiration"}

// keySeparators are dropped before matching, so client_secret, client-secret and
// clientSecret compare equal.
var keySeparators = strings.NewReplacer("_", "", "-", "", ".", "")

// minSecretKeyLen is the length of the shortest secret fragment ("token"): shorter folded
// keys cannot hold a secret unless they are one of shortSecretKeys.
const minSecretKeyLen = 5

// isSecretKey reports whether a JSON object key holds a secret.
func isSecretKey(key string) bool {
	k := strings.ToLower(keySeparators.Replace(key))
	return foldedKeyIsSecret(k)
}

// foldedKeyIsSecret applies the fragment rules to a key already lower-cased and stripped
// of separators.
func foldedKeyIsSecret(k string) bool {
	if shortSecretKeys[k] {
		return true
	}
	if len(k) < minSecretKeyLen {
		return false
	}
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

// isSecretKeyBytes is isSecretKey for the bytes between the quotes of a JSON key. Plain
// ASCII keys (nearly all keys) are folded on the stack; escaped or non-ASCII keys take the
// exact route through a decoded string, so "\u0074oken" and Unicode case folding redact too.
func isSecretKeyBytes(quoted []byte) bool {
	secretKeyCache.RLock()
	secret, ok := secretKeyCache.m[string(quoted)]
	secretKeyCache.RUnlock()
	if ok {
		return secret
	}
	secret = classifyKeyBytes(quoted)
	secretKeyCache.Lock()
	if len(secretKeyCache.m) < secretKeyCacheMax {
		secretKeyCache.m[string(quoted)] = secret
	}
	secretKeyCache.Unlock()
	return secret
}

// secretKeyCacheMax bounds the key cache: vendor payloads use a few hundred distinct keys,
// and keys a sender invents beyond the bound are classified each time instead of growing
// memory.
const secretKeyCacheMax = 4096

// secretKeyCache remembers the answer of classifyKeyBytes per quoted key; the same keys
// recur in every event of a source.
var secretKeyCache = struct {
	sync.RWMutex
	m map[string]bool
}{m: make(map[string]bool, 256)}

func classifyKeyBytes(quoted []byte) bool {
	var buf [64]byte
	folded := buf[:0]
	for _, c := range quoted {
		switch {
		case c == '\\' || c >= utf8.RuneSelf || len(folded) == len(buf):
			return slowSecretKey(quoted)
		case c == '_' || c == '-' || c == '.':
		case 'A' <= c && c <= 'Z':
			folded = append(folded, c+'a'-'A')
		default:
			folded = append(folded, c)
		}
	}
	return foldedKeyIsSecret(string(folded))
}

func slowSecretKey(quoted []byte) bool {
	var k string
	if err := json.Unmarshal(append(append([]byte{'"'}, quoted...), '"'), &k); err != nil {
		return true // unreadable key: redact rather than store something unvetted
	}
	return isSecretKey(k)
}

// Redact returns raw with the value of every secret-bearing key replaced by "REDACTED",
// compacted. Input that is not JSON is returned as nil: raw must never carry unvetted bytes.
func Redact(raw []byte) []byte {
	if !json.Valid(raw) {
		return nil
	}
	return redactValid(raw)
}

// redactValid is Redact for raw already known to be valid JSON (it was just decoded). It
// copies raw once, dropping insignificant whitespace and replacing secret values in place;
// object keys keep their order. Text that is not valid UTF-8 takes the decode-and-encode
// route, which replaces the invalid bytes, so raw is always valid UTF-8.
func redactValid(raw []byte) []byte {
	if !utf8.Valid(raw) {
		return redactDecoded(raw)
	}
	r := redactor{src: raw, out: make([]byte, 0, len(raw))}
	r.value(r.space(0))
	return r.out
}

// redactDecoded redacts through a generic decoded value; it is the reference behaviour.
func redactDecoded(raw []byte) []byte {
	// UseNumber keeps every number exactly as written: a float64 cannot hold 1e400 or a
	// 30-digit id, and the raw payload must come out with the vendor's own digits.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
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
		pair := false
		for _, k := range pairNameKeys {
			if name, ok := t[k].(string); ok && isSecretName(name) {
				pair = true
			}
		}
		for k, val := range t {
			if (isSecretKey(k) || pair && pairValueKeys[k]) && val != nil {
				t[k] = Redacted
				continue
			}
			t[k] = redactValue(val)
		}
		return t
	case string:
		if out, ok := redactText(t); ok {
			return out
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

// redactor copies one valid JSON text from src to out.
type redactor struct {
	src, out []byte
}

// space returns the index of the first non-space byte at or after i.
func (r *redactor) space(i int) int {
	for i < len(r.src) {
		switch r.src[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// value copies the value starting at i and returns the index after it.
func (r *redactor) value(i int) int {
	if i >= len(r.src) {
		return i
	}
	switch r.src[i] {
	case '{':
		r.out = append(r.out, '{')
		i = r.space(i + 1)
		// A name/value pair ({"name":"password","value":"…"}) hides the secret's name in a
		// value: remember where the value-like members went and whether the last value of
		// each name-like member (the one a decoder keeps) names a secret.
		var spans [][2]int
		var names [len(pairNameKeys)]bool
		for i < len(r.src) && r.src[i] != '}' {
			end := stringEnd(r.src, i)
			key := r.src[i+1 : end-1]
			r.out = append(r.out, r.src[i:end]...)
			i = r.space(end) // at ':'
			r.out = append(r.out, ':')
			i = r.space(i + 1)
			start := len(r.out)
			if r.src[i] != 'n' && isSecretKeyBytes(key) {
				r.out = append(r.out, `"`+Redacted+`"`...)
				i = valueEnd(r.src, i)
			} else {
				vstart := i
				i = r.value(i)
				if n := pairNameIndex(key); n >= 0 {
					names[n] = r.src[vstart] == '"' && isSecretName(jsonString(r.src[vstart:i]))
				}
			}
			if r.out[start] != 'n' && isPairValueKey(key) {
				spans = append(spans, [2]int{start, len(r.out)})
			}
			i = r.space(i)
			if i < len(r.src) && r.src[i] == ',' {
				r.out = append(r.out, ',')
				i = r.space(i + 1)
			}
		}
		if slices.Contains(names[:], true) {
			for k := len(spans) - 1; k >= 0; k-- {
				sp := spans[k]
				if string(r.out[sp[0]:sp[1]]) != `"`+Redacted+`"` {
					r.out = append(r.out[:sp[0]], append([]byte(`"`+Redacted+`"`), r.out[sp[1]:]...)...)
				}
			}
		}
		r.out = append(r.out, '}')
		return i + 1
	case '[':
		r.out = append(r.out, '[')
		i = r.space(i + 1)
		for i < len(r.src) && r.src[i] != ']' {
			i = r.space(r.value(i))
			if i < len(r.src) && r.src[i] == ',' {
				r.out = append(r.out, ',')
				i = r.space(i + 1)
			}
		}
		r.out = append(r.out, ']')
		return i + 1
	case '"':
		end := stringEnd(r.src, i)
		str := r.src[i:end]
		if bytes.IndexByte(str, '\\') >= 0 || mayHoldSecretText(str) {
			if out, ok := redactText(jsonString(str)); ok {
				r.out = appendJSONString(r.out, out)
				return end
			}
		}
		r.out = append(r.out, str...)
		return end
	default:
		end := valueEnd(r.src, i)
		r.out = append(r.out, r.src[i:end]...)
		return end
	}
}

// stringEnd returns the index after the JSON string that starts (with its quote) at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the valid JSON value that starts at i.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default:
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', ']', '}', ' ', '\t', '\r', '\n':
				return j
			}
			j++
		}
		return j
	}
}

// pairNameKeys are the members that name the value of a name/value pair: Workspace
// parameters {"name","value"}, Entra modifiedProperties {"displayName","newValue"} and
// additionalDetails {"key","value"}, Jira changelog items {"field","toString"}.
var pairNameKeys = [...]string{"name", "key", "displayName", "field"}

// pairValueKeys are the members that hold a pair's value.
var pairValueKeys = map[string]bool{"value": true, "values": true, "newValue": true, "oldValue": true, "intValue": true,
	"multiValue": true, "multiIntValue": true, "fromString": true, "toString": true, "from": true, "to": true}

// pairNameIndex is the index in pairNameKeys of a quoted key's content, or -1. Keys are
// compared after decoding, as a decoder would.
func pairNameIndex(quoted []byte) int {
	k := string(quoted)
	if bytes.IndexByte(quoted, '\\') >= 0 {
		k = jsonString(append(append([]byte{'"'}, quoted...), '"'))
	}
	for n, name := range pairNameKeys {
		if k == name {
			return n
		}
	}
	return -1
}

func isPairValueKey(quoted []byte) bool {
	k := string(quoted)
	if bytes.IndexByte(quoted, '\\') >= 0 {
		k = jsonString(append(append([]byte{'"'}, quoted...), '"'))
	}
	return pairValueKeys[k]
}

// isSecretName reports whether the name of a name/value pair is a secret's name.
func isSecretName(name string) bool { return isSecretKey(strings.TrimSpace(name)) }

// jsonString decodes a JSON string literal (quotes included); invalid input is "".
func jsonString(lit []byte) string {
	if bytes.IndexByte(lit, '\\') < 0 && len(lit) >= 2 {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	_ = json.Unmarshal(lit, &s)
	return s
}

// appendJSONString appends s as a JSON string literal, without HTML escaping.
func appendJSONString(out []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(out, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// Value patterns: secrets that sit in free text or under keys no name rule can know —
// tokens pasted into ticket text, credentials in URLs, passwords an agent typed into a
// comment. AWS access key ids (AKIA…, ASIA…) identify a key and are kept; the secret
// access key after them is not.
var secretTextPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	// JSON Web Tokens: header.payload.signature, the header base64url of {"…
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), Redacted},
	// HTTP credentials: Bearer and Basic schemes.
	{regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}`), "${1}${2}" + Redacted},
	// An AWS secret access key (40 base64 characters) after its name.
	{regexp.MustCompile(`(?i)(secret_?access_?key|secret_?key|aws_?secret)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}`), "${1}${2}" + Redacted},
	// URL query parameters that carry credentials or signatures.
	{regexp.MustCompile(`(?i)([?&;](?:access_token|id_token|refresh_token|token|code|sig|signature|x-amz-signature|x-amz-security-token|x-goog-signature|password|passwd|pwd|secret|client_secret|api_key|apikey|otp)=)[^&#\s"'<>]+`), "${1}" + Redacted},
	// "temporary password: Xyz123!", "PIN = 1234", "token: abc" in text.
	{regexp.MustCompile(`(?i)\b((?:password|passwd|passcode|pwd|pin|otp|one-time code|verification code|security code|token|api[_ -]?key|client[_ -]?secret|secret)\s*[:=]\s*)[^\s,;&"'<>]+`), "${1}" + Redacted},
	// "the temporary password is Xyz123!": "is" only after an adjective that says a
	// password was handed out, not "password is expired".
	{regexp.MustCompile(`(?i)\b((?:temporary|temp|initial|new|one-time)\s+(?:password|passcode|pin)\s+is\s+)[^\s,;"'<>]+`), "${1}" + Redacted},
}

// redactText applies the value patterns to a decoded string; ok is false when nothing
// matched.
func redactText(s string) (string, bool) {
	if !mayHoldSecretText([]byte(s)) {
		return s, false
	}
	out := s
	for _, p := range secretTextPatterns {
		out = p.re.ReplaceAllString(out, p.repl)
	}
	return out, out != s
}

// secretTextTriggers are the (lower-case) fragments every value pattern needs; text holding
// none skips the regular expressions.
var secretTextTriggers = []string{"eyj", "bearer", "basic", "secret", "pass", "pwd", "pin", "otp", "token", "code", "key", "="}

// mayHoldSecretText reports whether b holds a trigger fragment, ASCII case-insensitively.
func mayHoldSecretText(b []byte) bool {
	for _, t := range secretTextTriggers {
		if containsFoldASCII(b, t) {
			return true
		}
	}
	return false
}

func containsFoldASCII(b []byte, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(b); i++ {
		j := 0
		for ; j < n; j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
