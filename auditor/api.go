package auditor

import (
	"context"
	"fmt"
	"time"
)

// Ping checks that the auditor's store answers a query, for readiness.
func (a *Auditor) Ping(ctx context.Context) error {
	if _, err := a.store.Query(ctx, "SELECT 1 AS ok"); err != nil {
		return fmt.Errorf("auditor: clickhouse does not answer: %w", err)
	}
	return nil
}

// Now is the current time of the auditor's clock (Options.Clock).
func (a *Auditor) Now() time.Time { return a.clock() }
