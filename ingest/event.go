package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgate-io/tollgate/schemas"
)

// AttrOccurredAtFallback is set to "true" when an event carried no usable timestamp and
// occurred_at is the receive time instead.
const AttrOccurredAtFallback = "occurred_at_fallback"

// newEvent starts an IdentityEvent with the fields every source fills the same way:
// event_id from the source's unique id (or a content hash when the source sent none),
// ingested_at, redacted raw, and empty (non-nil) refs and attributes. raw must be valid
// JSON: every caller has decoded it already.
func newEvent(src schemas.Source, sourceID string, raw []byte, now time.Time) schemas.IdentityEvent {
	return schemas.IdentityEvent{
		EventID:    eventID(src, sourceID, raw),
		Source:     src,
		Category:   schemas.CategoryIAM,
		Action:     schemas.ActionOther,
		IngestedAt: now.UTC(),
		Outcome:    schemas.OutcomeUnknown,
		TicketRefs: []string{},
		Attributes: map[string]string{},
		Raw:        redactValid(raw),
	}
}

// eventID is "<source lower-case>:<source id>". Sources that omit the id (or send a
// placeholder) get a hash of the event's compacted bytes, so a retried delivery of the same
// event keeps the same id.
func eventID(src schemas.Source, sourceID string, raw []byte) string {
	prefix := strings.ToLower(string(src))
	sourceID = strings.TrimSpace(sourceID)
	if sourceID != "" && !strings.EqualFold(sourceID, "redacted") {
		return prefix + ":" + sourceID
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	sum := sha256.Sum256(buf.Bytes())
	return prefix + ":sha256-" + hex.EncodeToString(sum[:12])
}

// timeLayouts are the timestamp forms the sources send, most common first.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999", // ServiceNow raw values; Panther-rewritten Okta
	"2006-01-02T15:04:05.999999999-0700",
	"Jan 2, 2006 3:04:05 PM",  // IAM responseElements
	"Jan 2, 2006, 3:04:05 PM", // STS credentials expiration
	"2006-01-02",
}

// parseTime reads a timestamp in any of the forms the sources use, including epoch
// milliseconds. ok is false for empty, placeholder or unreadable values.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "redacted") {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC(), true
	}
	return time.Time{}, false
}

// setOccurredAt sets occurred_at from the first usable candidate, or falls back to now and
// records that in the attributes.
func setOccurredAt(ev *schemas.IdentityEvent, now time.Time, candidates ...string) {
	for _, c := range candidates {
		if t, ok := parseTime(c); ok {
			ev.OccurredAt = t
			return
		}
	}
	ev.OccurredAt = now.UTC()
	ev.Attributes[AttrOccurredAtFallback] = "true"
}

// dropReserved removes from received events the attribute only tollgate's own
// connectors set (schemas.InventoryAttr): a sender cannot pass a change off as observed
// state, which the rules about changes do not judge.
func dropReserved(evs []schemas.IdentityEvent) {
	for i := range evs {
		delete(evs[i].Attributes, schemas.InventoryAttr)
	}
}

// setAttr records a non-empty attribute.
func setAttr(ev *schemas.IdentityEvent, key, value string) {
	if value = strings.TrimSpace(value); value != "" {
		ev.Attributes[key] = value
	}
}

// finish applies the rules that depend on the parsed fields: ticket references found in the
// given texts, and the OCSF class of the action.
func finish(ev *schemas.IdentityEvent, texts ...string) {
	ev.TicketRefs = appendTicketRefs(ev.TicketRefs, texts...)
	kind := schemas.EntitlementKind("")
	priv := schemas.PrivilegeUnknown
	if ev.Entitlement != nil {
		kind, priv = ev.Entitlement.Kind, ev.Entitlement.Privilege
	}
	ev.Ocsf = OcsfFor(ev.Action, kind, priv)
}

// splitArray returns the elements of a JSON array (null is an empty array), or ErrShape
// for any other value. raw must be valid JSON (it comes from a body the caller already
// validated or decoded), so splitting is one scan without a second validation; the
// elements share raw's memory.
func splitArray(raw []byte) ([]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i < len(raw) && raw[i] == 'n' {
		return nil, nil
	}
	if i >= len(raw) || raw[i] != '[' {
		return nil, ErrShape
	}
	items := make([]json.RawMessage, 0, 8)
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != ']' {
		end := valueEnd(raw, i)
		items = append(items, raw[i:end:end])
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return items, nil
}

// skipSpace returns the index of the first non-space byte of b at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// firstByte is the first non-space byte of a JSON text, or 0.
func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// ptr returns a pointer to a non-empty string, or nil.
func ptr(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

// outcomeOf maps a vendor result word to an Outcome. Okta's CHALLENGE (and SKIPPED) is
// UNKNOWN, not FAILURE: the sign-on policy asked for another factor, which says nothing about
// whether the operation then took effect, and a policy must not drop a change as "failed".
func outcomeOf(result string) schemas.Outcome {
	switch strings.ToLower(strings.TrimSpace(result)) {
	case "success", "succeeded", "allow", "allowed", "ok", "true":
		return schemas.OutcomeSuccess
	case "failure", "failed", "fail", "deny", "denied", "timeout", "error", "false":
		return schemas.OutcomeFailure
	default:
		return schemas.OutcomeUnknown
	}
}

// decodeEnvelope decodes an object body into env. The decode validates the whole body on
// the way, so no separate validation pass is needed: a syntax error is ErrMalformed, a
// valid body of the wrong shape ErrShape.
func decodeEnvelope(body []byte, env any) error {
	if err := json.Unmarshal(body, env); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return bodyErr(ErrMalformed)
		}
		return bodyErr(fmt.Errorf("%w: %v", ErrShape, err))
	}
	return nil
}

// validArray splits a body that starts with '[', or reports ErrMalformed.
func validArray(body []byte) ([]json.RawMessage, error) {
	if !json.Valid(body) {
		return nil, bodyErr(ErrMalformed)
	}
	return splitArray(body)
}

// notObjectOrArray is the error for a body that is neither an object nor an array:
// ErrMalformed when it is not JSON at all, else ErrShape.
func notObjectOrArray(body []byte) error {
	if !json.Valid(body) {
		return bodyErr(ErrMalformed)
	}
	return bodyErr(fmt.Errorf("%w: want a JSON object or array", ErrShape))
}

// objectFields returns the raw values of the named members of a valid JSON object, matching
// names the way encoding/json matches struct fields (ASCII case-insensitive); a missing
// member is nil. ok is false when the answer needs the full decoder: the text is not an
// object, a key is escaped or not ASCII, or a name occurs twice.
func objectFields(obj []byte, names ...string) (vals [][]byte, ok bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	vals = make([][]byte, len(names))
	i = skipSpace(obj, i+1)
	for i < len(obj) && obj[i] == '"' {
		end := stringEnd(obj, i)
		key := obj[i+1 : end-1]
		for _, c := range key {
			if c == '\\' || c >= utf8.RuneSelf {
				return nil, false
			}
		}
		i = skipSpace(obj, skipSpace(obj, end)+1) // past ':'
		vend := valueEnd(obj, i)
		for n, name := range names {
			if len(key) == len(name) && strings.EqualFold(string(key), name) {
				if vals[n] != nil {
					return nil, false
				}
				vals[n] = obj[i:vend:vend]
			}
		}
		i = skipSpace(obj, vend)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return vals, true
}

// batchItems splits a batch body into its items: a JSON array of items, an object holding
// the array under the first of keys that is present ({"Records":[…]}, {"records":[…]},
// {"value":[…]}, {"items":[…]}), or a single bare item.
func batchItems(body []byte, keys ...string) ([]json.RawMessage, error) {
	switch firstByte(body) {
	case '[':
		return validArray(body)
	case '{':
		var env map[string]json.RawMessage
		if err := decodeEnvelope(body, &env); err != nil {
			return nil, err
		}
		for _, k := range keys {
			for name, arr := range env { // keys match case-insensitively, as encoding/json's do
				if !strings.EqualFold(name, k) || string(arr) == "null" {
					continue
				}
				items, err := splitArray(arr)
				if err != nil {
					return nil, bodyErr(fmt.Errorf("%w: %s must be an array", ErrShape, name))
				}
				return items, nil
			}
		}
		return []json.RawMessage{body}, nil
	default:
		return nil, notObjectOrArray(body)
	}
}

// looseString reads a JSON string, number or boolean as its text and null as empty: vendors
// are loose about scalar types (Google Workspace sends profileId and parameter values as
// strings in some feeds and numbers in others), and a number where a string is expected is
// the same value, not a bad event.
type looseString string

// UnmarshalJSON accepts any JSON scalar; objects and arrays are a shape error.
func (s *looseString) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = looseString(v)
	case 'n':
		*s = ""
	case '{', '[':
		return fmt.Errorf("%w: want a string, number or boolean, got %.20s", ErrShape, b)
	default:
		*s = looseString(bytes.TrimSpace(b))
	}
	return nil
}
