package registry

import (
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// version is one stored version of a subject, parsed.
type version struct {
	number int
	schema avro.Schema
}

// incompatibilities checks candidate against the subject's existing versions
// (oldest first) as level demands and returns one message per failed check;
// none means compatible. The non-transitive levels compare with the latest
// version only, the transitive ones with every version.
//
// BACKWARD means consumers using the new schema can read data written with the
// old one (new is the reader); FORWARD means consumers still on the old schema
// can read data written with the new one (old is the reader); FULL is both.
func incompatibilities(level sr.CompatibilityLevel, candidate avro.Schema, existing []version) []string {
	if level == sr.CompatNone || len(existing) == 0 {
		return nil
	}
	against := existing[len(existing)-1:]
	var backward, forward bool
	switch level {
	case sr.CompatBackward:
		backward = true
	case sr.CompatBackwardTransitive:
		backward, against = true, existing
	case sr.CompatForward:
		forward = true
	case sr.CompatForwardTransitive:
		forward, against = true, existing
	case sr.CompatFull:
		backward, forward = true, true
	case sr.CompatFullTransitive:
		backward, forward, against = true, true, existing
	default:
		// An unknown level never reaches the store (PUT /config refuses it);
		// treat it as the registry default rather than as NONE.
		backward = true
	}
	var msgs []string
	for _, old := range against {
		if backward {
			if err := compatible(candidate, old.schema); err != nil {
				msgs = append(msgs, fmt.Sprintf("version %d: the new schema cannot read data written with it (%s): %v", old.number, level, err))
			}
		}
		if forward {
			if err := compatible(old.schema, candidate); err != nil {
				msgs = append(msgs, fmt.Sprintf("version %d: it cannot read data written with the new schema (%s): %v", old.number, level, err))
			}
		}
	}
	return msgs
}

// compatible reports whether reader can read data written with writer. It
// uses a fresh checker on every call: hamba/avro caches verdicts by the
// schemas' canonical fingerprints, which leave out field defaults, so a
// shared checker answers "b has no default" for a schema that has one once it
// has checked the same schema without it.
func compatible(reader, writer avro.Schema) error {
	return avro.NewSchemaCompatibility().Compatible(reader, writer)
}
