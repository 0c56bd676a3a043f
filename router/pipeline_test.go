package router

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestServiceStopsWhenDeliveryFails: the batch after a failed delivery is
// not waited for. With every record fetched and the delivery of the only
// batch failing, Run returns the failure rather than waiting for records
// that never come (the bounded context would end that wait with nil).
func TestServiceStopsWhenDeliveryFails(t *testing.T) {
	s := startStack(t)
	var evs []schemas.IdentityEvent
	for i := range 10 {
		evs = append(evs, signIn(fmt.Sprintf("dave%d@example.com", i), i))
	}
	s.push(t, evs)
	svc, _ := s.service(t, "router", 20)
	svc.beforeCommit = func() error { return errCrash }
	if err := svc.Run(bounded(t)); !errors.Is(err, errCrash) {
		t.Fatalf("Run = %v, want the failed delivery", err)
	}
}
