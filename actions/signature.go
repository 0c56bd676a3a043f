package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`,
// the HMAC keyed with the sink's secret over `<t>.<body>`. Signing the time with the body
// lets a receiver refuse a replayed request (a timestamp too old) as well as a forged one.
const SignatureHeader = "Tollgate-Signature"

// DefaultSignatureTolerance is how old a signature Verify accepts.
const DefaultSignatureTolerance = 5 * time.Minute

// ErrBadSignature is Verify's answer to a request that is not signed with the secret, or
// whose signature is older than the tolerance.
var ErrBadSignature = errors.New("bad webhook signature")

// Sign returns the SignatureHeader value of body signed with secret at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a SignatureHeader value against body, as a receiver does: some v1 must be
// the HMAC of `<t>.<body>` with secret (several v1 are allowed while a secret rotates), and
// t within tolerance of now (DefaultSignatureTolerance when ≤ 0).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=<unix>,v1=<hex>", ErrBadSignature)
	}
	if age := now.Sub(time.Unix(unix, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %s from now, more than %s", ErrBadSignature, age.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 matches", ErrBadSignature)
}
