package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/tollgate-io/tollgate/ingest"
)

// row is one line of a service's table in Microsoft's audit activity reference: the
// service is the section heading (it matches a record's loggedByService), category and
// activity are the table's first two columns (a record's category and activityDisplayName).
type row struct {
	Service, Category, Activity string
}

// parseReference reads reference-audit-activities.md as published: "## <service>" (or
// deeper) headings, each followed by a table whose header row starts "|Audit Category|
// Activity|". Prose, anchors, includes and the "Next steps" list are skipped; a table's
// further columns (Account provisioning has a Description) are ignored.
func parseReference(r io.Reader) ([]row, error) {
	var rows []row
	service := ""
	inTable := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			if level >= 2 {
				service = strings.TrimSpace(strings.TrimLeft(line, "#"))
			}
			inTable = false
		case strings.HasPrefix(line, "|"):
			cells := splitRow(line)
			if len(cells) < 2 {
				return nil, fmt.Errorf("line %d: table row with %d cells", n, len(cells))
			}
			switch {
			case strings.EqualFold(cells[0], "Audit Category") && strings.EqualFold(cells[1], "Activity"):
				inTable = true
			case separator.MatchString(line):
			case inTable:
				if cells[0] == "" || cells[1] == "" {
					return nil, fmt.Errorf("line %d: empty category or activity", n)
				}
				if service == "" {
					return nil, fmt.Errorf("line %d: table row before any service heading", n)
				}
				rows = append(rows, row{Service: service, Category: cells[0], Activity: cells[1]})
			}
		case line == "":
		default:
			inTable = false
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no |Audit Category|Activity| table rows found")
	}
	return rows, nil
}

var separator = regexp.MustCompile(`^\|(\s*:?-+:?\s*\|)+\s*$`)

// splitRow splits a markdown table row into trimmed cells (no escaped pipes occur in the
// reference).
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// normActivity and normCategory fold names the way the parser looks them up: one function,
// the parser's, so the catalogue's keys cannot drift from its lookups.
var (
	normActivity = ingest.EntraActivityKey
	normCategory = ingest.EntraCategoryKey
)
