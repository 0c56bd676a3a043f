package auditor

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestSweepSelectsWhatTheRulesFlag keeps the sweep's SQL prefilter and the grant and
// credential rules (detect_*.go) from drifting apart: over random ledger rows around the
// sweep's clock — reviews due and overdue, expiries, disablements, break-glass grants
// reviewed before, after or never, credentials with and without owners, rotated and not —
// the findings Sweep opens are exactly those the rules raise over every row.
func TestSweepSelectsWhatTheRulesFlag(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.BreakGlassAccounts = []string{"breakglass-01@corp.example"}
	now := t0.Add(400 * 24 * time.Hour)
	rng := rand.New(rand.NewPCG(3, 4))
	day := 24 * time.Hour
	around := func(span time.Duration) *time.Time {
		if rng.IntN(3) == 0 {
			return nil
		}
		return tp(milli(now.Add(time.Duration(rng.Int64N(int64(2*span))) - span)))
	}
	var grants []grant
	var grantRows, credRows [][]any
	for i := range 600 {
		g := grant{
			Principal: fmt.Sprintf("p%03d@corp.example", i%97), PrincipalType: string(schemas.PrincipalHuman),
			Key: fmt.Sprintf("okta|g%d", i), EntID: fmt.Sprintf("g%d", i), EntName: fmt.Sprintf("g%d", i), System: "okta",
			Privilege: "READ", State: stateActive, Lane: string(schemas.LaneServiceDesk),
			GrantedAt: milli(now.Add(-time.Duration(rng.Int64N(int64(120 * day))))), GrantEvent: fmt.Sprintf("OKTA:g%d", i),
			Version: 1,
		}
		if rng.IntN(4) == 0 {
			g.PrincipalType = string(schemas.PrincipalNHI)
		}
		if rng.IntN(5) == 0 {
			g.State, g.RevokedAt, g.RevokeEvent = stateRevoked, tp(g.GrantedAt.Add(time.Hour)), fmt.Sprintf("OKTA:r%d", i)
		}
		if rng.IntN(4) == 0 {
			g.Lane = string(schemas.LaneBreakGlass)
		}
		g.ReviewDue, g.ExpiresAt = around(30*day), around(30*day)
		if rng.IntN(2) == 0 {
			g.ExpiresAt = nil
		}
		if rng.IntN(16) == 0 { // a person's sign-in as an NHI: a session row, rotated after or not
			g.Key, g.EntID, g.EntName, g.System = nhiSessionKeyPrefix+g.GrantEvent, nhiSessionKeyPrefix+g.GrantEvent, "interactive sign-in", ""
			g.Origin, g.State, g.RevokedAt, g.RevokeEvent = originNHISession, stateRevoked, tp(g.GrantedAt), g.GrantEvent
			if rng.IntN(2) == 0 {
				g.RotatedAt, g.RotateEvent = tp(g.GrantedAt.Add(time.Hour)), fmt.Sprintf("OKTA:rot%d", i)
			}
		} else if rng.IntN(8) == 0 { // a break-glass use: a session row, reviewed and rotated or not
			if i%2 == 0 {
				g.Principal = "breakglass-01@corp.example"
			}
			g.Key, g.EntID, g.EntName, g.System = useKeyPrefix+g.GrantEvent, useKeyPrefix+g.GrantEvent, "break-glass use (SIGN_IN)", ""
			g.Origin, g.Lane, g.State, g.RevokedAt, g.RevokeEvent = originUse, string(schemas.LaneBreakGlass), stateRevoked, tp(g.GrantedAt), g.GrantEvent
			g.GrantedAt = milli(now.Add(-time.Duration(rng.Int64N(int64(3 * day)))))
			g.RevokedAt = tp(g.GrantedAt)
			if rng.IntN(2) == 0 {
				g.RotatedAt, g.RotateEvent = tp(g.GrantedAt.Add(time.Hour)), fmt.Sprintf("OKTA:pw%d", i)
			}
		}
		if rng.IntN(6) == 0 {
			g.SelfReviewAt, g.SelfReviewEvent, g.SelfReviewer = tp(g.GrantedAt.Add(time.Duration(rng.Int64N(int64(10*day))))), fmt.Sprintf("OKTA:srv%d", i), g.Principal
		}
		if rng.IntN(6) == 0 {
			g.RevokeDecidedAt, g.RevokeDecisionEvent, g.Reviewer = around(15*day), fmt.Sprintf("OKTA:rd%d", i), "mgr@corp.example"
		}
		switch rng.IntN(3) {
		case 0:
			g.LastReviewedAt, g.ReviewEvent = tp(g.GrantedAt.Add(-time.Hour)), "OKTA:rv-before"
		case 1:
			g.LastReviewedAt, g.ReviewEvent = tp(g.GrantedAt.Add(time.Duration(rng.Int64N(int64(5*day))))), fmt.Sprintf("OKTA:rv%d", i)
		}
		if rng.IntN(8) == 0 {
			g.DisabledAt, g.DisableEvent = tp(g.GrantedAt.Add(time.Minute)), fmt.Sprintf("OKTA:d%d", i)
		}
		grants = append(grants, g)
		grantRows = append(grantRows, g.row())
	}
	var creds []credential
	for i := range 300 {
		c := credential{Principal: fmt.Sprintf("svc-%02d", i%31), ID: fmt.Sprintf("key-%d", i), Kind: "ACCESS_KEY", Version: 1}
		if rng.IntN(3) > 0 {
			c.Owner = "owner@corp.example"
		}
		if rng.IntN(4) > 0 {
			c.CreatedAt, c.CreateEvent = tp(milli(now.Add(-time.Duration(rng.Int64N(int64(2*cfg.NHIRotationAge)))))), fmt.Sprintf("AWS:c%d", i)
		}
		if rng.IntN(3) == 0 {
			c.RotatedAt, c.RotateEvent = tp(milli(now.Add(-time.Duration(rng.Int64N(int64(2*cfg.NHIRotationAge)))))), fmt.Sprintf("AWS:rot%d", i)
		}
		if rng.IntN(3) == 0 {
			c.LastUsedAt = tp(milli(now.Add(-time.Duration(rng.Int64N(int64(2 * cfg.NHIUnusedAge))))))
		}
		if since, _ := c.secretSince(); !since.IsZero() && rng.IntN(3) == 0 {
			c.ExpiresAt = tp(since.Add(time.Duration(rng.Int64N(int64(2 * cfg.NHIMaxSecretLifetime)))))
		}
		if rng.IntN(6) == 0 {
			c.DeletedAt, c.DeleteEvent = tp(now.Add(-day)), fmt.Sprintf("AWS:del%d", i)
		}
		creds = append(creds, c)
		credRows = append(credRows, c.row())
	}
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, "grants", grantColumns, grantRows); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, "credentials", credentialColumns, credRows); err != nil {
		t.Fatal(err)
	}
	a, err := New(s, cfg, Options{Clock: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	opened, err := a.Sweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range opened {
		got = append(got, f.Kind+" "+f.FindingID)
	}
	for _, f := range ledgerFindings(grants, creds, now, &cfg) {
		want = append(want, f.Kind+" "+f.FindingID)
	}
	slices.Sort(got)
	slices.Sort(want)
	kinds := map[string]bool{}
	for _, w := range want {
		kinds[w[:len(w)-33]] = true
	}
	if len(kinds) != len(ledgerKinds) {
		t.Fatalf("the random rows raise %d of the %d ledger kinds: %v", len(kinds), len(ledgerKinds), kinds)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the sweep and the rules disagree\n sweep opened %d: %v\n rules raise  %d: %v", len(got), got, len(want), want)
	}
}
