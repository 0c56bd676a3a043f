package ingest

import (
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"
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

// minSecretKeyLen is the length of the shortest secret fragment ("token"): shorter folded
// keys cannot hold a secret.
const minSecretKeyLen = 5

// isSecretKey reports whether a JSON object key holds a secret.
func isSecretKey(key string) bool {
	k := strings.ToLower(keySeparators.Replace(key))
	return foldedKeyIsSecret(k)
}

// foldedKeyIsSecret applies the fragment rules to a key already lower-cased and stripped
// of separators.
func foldedKeyIsSecret(k string) bool {
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
		for i < len(r.src) && r.src[i] != '}' {
			end := stringEnd(r.src, i)
			key := r.src[i+1 : end-1]
			r.out = append(r.out, r.src[i:end]...)
			i = r.space(end) // at ':'
			r.out = append(r.out, ':')
			i = r.space(i + 1)
			if r.src[i] != 'n' && isSecretKeyBytes(key) {
				r.out = append(r.out, `"`+Redacted+`"`...)
				i = valueEnd(r.src, i)
			} else {
				i = r.value(i)
			}
			i = r.space(i)
			if i < len(r.src) && r.src[i] == ',' {
				r.out = append(r.out, ',')
				i = r.space(i + 1)
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
