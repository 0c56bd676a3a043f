package chdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
)

// BenchmarkStreamingInsert measures rows/s of RowBinary and Native streaming
// inserts into MergeTree for small and large batches.
func BenchmarkStreamingInsert(b *testing.B) {
	db := chdbtest.OpenForTest(b)
	ctx := context.Background()
	for _, rows := range []int{1_000, 100_000} {
		evs := genEvents(rows, 3)
		for _, enc := range []struct {
			format string
			body   []byte
		}{{"RowBinary", rowBinary(evs)}, {"Native", native(evs, 65_536)}} {
			b.Run(fmt.Sprintf("%s/%d", enc.format, rows), func(b *testing.B) {
				table := fmt.Sprintf("bench_%s_%d", enc.format, rows)
				if err := db.Exec(ctx, fmt.Sprintf(eventsDDL, table)); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(enc.body)))
				b.ResetTimer()
				for b.Loop() {
					if _, err := db.InsertBytes(ctx, table, enc.format, enc.body); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
