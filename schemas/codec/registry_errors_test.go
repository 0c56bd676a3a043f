package codec_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// TestRegistryRefusalIsNotRetried: a registry that answers 401 or 403 refuses the
// credentials, and retrying will never pass; a 503 or a network failure may. The codec says
// which, so no stage retries a refusal forever.
func TestRegistryRefusalIsNotRetried(t *testing.T) {
	for _, c := range []struct {
		status    int
		retryable bool
	}{{http.StatusUnauthorized, false}, {http.StatusForbidden, false}, {http.StatusServiceUnavailable, true}, {http.StatusTooManyRequests, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(`{"error_code":` + strconv.Itoa(c.status) + `,"message":"no"}`))
		}))
		cl, err := sr.NewClient(sr.URLs(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		cdc, err := codec.NewCodec(cl)
		if err != nil {
			t.Fatal(err)
		}
		_, rerr := cdc.Register(context.Background(), "tollgate.events", &schemas.IdentityEvent{})
		var ev schemas.IdentityEvent
		derr := cdc.Decode(context.Background(), []byte{0, 0, 0, 0, 42, 0}, &ev)
		srv.Close()
		for what, err := range map[string]error{"register": rerr, "decode": derr} {
			if err == nil {
				t.Fatalf("%d %s: no error", c.status, what)
			}
			if codec.Retryable(err) != c.retryable || errors.Is(err, codec.ErrRegistryRefused) == c.retryable {
				t.Errorf("HTTP %d %s: retryable %v, refused %v; want retryable %v (%v)", c.status, what,
					codec.Retryable(err), errors.Is(err, codec.ErrRegistryRefused), c.retryable, err)
			}
		}
	}
}
