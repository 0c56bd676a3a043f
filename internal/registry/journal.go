package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// journalFormat is the version of the journal file layout.
const journalFormat = 1

// journalFile is where the journal lives under the data directory.
const journalFile = "registry/journal.json"

// entry is one state-changing request that the registry accepted, in the
// order it was applied. Replaying every entry through a fresh srfake rebuilds
// the exact state: srfake assigns ids and versions deterministically, and
// replay reproduces what snapshotting srfake's state could not (an id shared
// by several subjects, versions and ids freed by hard deletes, which must
// never be handed out again).
type entry struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
	Body   string `json:"body,omitempty"`
	// ID is the schema id a registration was given; replay checks it.
	ID int `json:"id,omitempty"`
}

type journalDoc struct {
	Format  int     `json:"format"`
	Entries []entry `json:"entries"`
}

// journal persists the accepted requests under a data directory. It is not
// safe for concurrent use; the handler serializes writes.
type journal struct {
	path    string
	entries []entry
}

// openJournal makes sure dataDir is usable and loads the journal in it, if
// any, without replaying it.
func openJournal(dataDir string) (*journal, error) {
	path := filepath.Join(dataDir, journalFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	j := &journal{path: path}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrDataDir, err)
	default:
		var doc journalDoc
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrJournal, path, err)
		}
		if doc.Format != journalFormat {
			return nil, fmt.Errorf("%w: %s: format %d, want %d", ErrJournal, path, doc.Format, journalFormat)
		}
		j.entries = doc.Entries
	}
	// Writing at once proves the directory writable before the first client
	// request depends on it.
	if err := j.write(j.entries); err != nil {
		return nil, err
	}
	return j, nil
}

// append persists e after the existing entries; on error nothing changes.
func (j *journal) append(e entry) error {
	next := append(j.entries[:len(j.entries):len(j.entries)], e)
	if err := j.write(next); err != nil {
		return err
	}
	j.entries = next
	return nil
}

// write replaces the journal file atomically: a crash leaves either the old
// or the new file, never a torn one.
func (j *journal) write(entries []entry) error {
	if entries == nil {
		entries = []entry{}
	}
	raw, err := json.MarshalIndent(journalDoc{Format: journalFormat, Entries: entries}, "", " ")
	if err != nil {
		return fmt.Errorf("encode registry journal: %w", err)
	}
	dir := filepath.Dir(j.path)
	tmp, err := os.CreateTemp(dir, ".journal-*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: write %s: %w", ErrDataDir, tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: sync %s: %w", ErrDataDir, tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: close %s: %w", ErrDataDir, tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), j.path); err != nil {
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%w: sync %s: %w", ErrDataDir, dir, err)
	}
	return nil
}
