package schemas_test

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestKeyIsThePrincipal: the Kafka key and the ledgers' principal are one function, so a
// credential event with no subject and a ticket with no beneficiary land on the partition
// whose replica keeps their ledgers.
func TestKeyIsThePrincipal(t *testing.T) {
	p := func(id string) *schemas.Principal {
		return &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalHuman}
	}
	cases := []struct {
		name string
		ev   schemas.IdentityEvent
		want string
	}{
		{"subject", schemas.IdentityEvent{EventID: "e1", Subject: p("ann"), Actor: p("bob")}, "ann"},
		{"credential without subject", schemas.IdentityEvent{EventID: "e2", Actor: p("bob"), Credential: &schemas.Credential{ID: "AKIA1"}}, "credential:AKIA1"},
		{"actor only", schemas.IdentityEvent{EventID: "e3", Actor: p("bob")}, "bob"},
		{"nobody", schemas.IdentityEvent{EventID: "e4"}, "e4"},
		{"ticket for someone", schemas.IdentityEvent{EventID: "t1", Category: schemas.CategoryTicket, Actor: p("agent"),
			Ticket: &schemas.Ticket{ID: "RITM1", RequestedFor: p("ann"), Requester: p("mgr")}}, "ann"},
		{"ticket without beneficiary", schemas.IdentityEvent{EventID: "t2", Category: schemas.CategoryTicket, Actor: p("agent"),
			Ticket: &schemas.Ticket{ID: "RITM2", Requester: p("mgr")}}, "mgr"},
		{"ticket of nobody", schemas.IdentityEvent{EventID: "t3", Category: schemas.CategoryTicket, Actor: p("agent"), Ticket: &schemas.Ticket{ID: "RITM3"}}, "ticket:RITM3"},
	}
	for _, c := range cases {
		if got := c.ev.Key(); got != c.want || c.ev.Principal() != got {
			t.Errorf("%s: key %q, principal %q, want %q", c.name, got, c.ev.Principal(), c.want)
		}
	}
}
