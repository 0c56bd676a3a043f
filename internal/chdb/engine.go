package chdb

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// engine is the process-wide ClickHouse engine. It boots on the first Open
// and keeps an anchor connection for the life of the process: closing the
// last connection shuts the engine down, and the chDB header warns that
// rebooting it in one process is unreliable.
var engine struct {
	mu      sync.Mutex
	api     *api
	dataDir string
	anchor  *conn
}

// DataDir returns the data directory the engine runs on in this process, or
// "" before the first successful Open.
func DataDir() string {
	engine.mu.Lock()
	defer engine.mu.Unlock()
	return engine.dataDir
}

// boot loads the library and starts the engine on dataDir, or checks that
// the running engine uses the same directory.
func boot(libPath, dataDir string) (*api, string, error) {
	if dataDir == "" {
		return nil, "", fmt.Errorf("chdb: Options.DataDir is required")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, "", fmt.Errorf("chdb: data dir %q: %w", dataDir, err)
	}
	abs = filepath.Clean(abs)

	engine.mu.Lock()
	defer engine.mu.Unlock()
	if engine.anchor != nil {
		if engine.dataDir != abs {
			return nil, "", fmt.Errorf("%w: running on %s, asked for %s; use one data directory per process (and separate databases within it)",
				ErrDataDirInUse, engine.dataDir, abs)
		}
		return engine.api, abs, nil
	}
	a, err := load(libPath)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, "", fmt.Errorf("chdb: create data dir: %w", err)
	}
	// chDB's signal handlers turn a recovered Go panic (which the Go runtime
	// raises as SIGSEGV/SIGPANIC internally) into a hang or crash; the flag
	// is process-wide and must be set before the first connect.
	a.setSignalHandlersEnabled(0)
	c, err := connect(a, []string{"--path=" + abs})
	if err != nil {
		return nil, "", fmt.Errorf("chdb: boot engine on %s: %w", abs, err)
	}
	engine.api, engine.dataDir, engine.anchor = a, abs, c
	return a, abs, nil
}
