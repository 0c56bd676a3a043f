package chdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// LibraryVersion is the chDB release whose libchdb.so tollgate is built and
// tested against; scripts/libchdb.sh fetches exactly this version.
const LibraryVersion = "26.7.3-stable.1"

// ErrLibraryMissing reports that libchdb.so was not found or could not be
// loaded. The wrapping error names every place that was tried.
var ErrLibraryMissing = errors.New("chdb: libchdb.so not available")

// libEnv names the environment variable that points at libchdb.so.
const libEnv = "TOLLGATE_CHDB_LIB"

// fetchHint tells a person how to get the library.
const fetchHint = "fetch it with scripts/libchdb.sh (or make libchdb), or set " + libEnv + " to its path"

// api holds the C entry points of libchdb. Handles are opaque C pointers;
// the garbage collector ignores pointers outside the Go heap.
type api struct {
	setSignalHandlersEnabled func(enabled int32)
	connect                  func(argc int32, argv unsafe.Pointer) unsafe.Pointer
	closeConn                func(connp unsafe.Pointer)
	queryN                   func(conn unsafe.Pointer, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) unsafe.Pointer
	resultBuffer             func(res unsafe.Pointer) *byte
	resultLength             func(res unsafe.Pointer) uintptr
	resultError              func(res unsafe.Pointer) string
	resultRowsWritten        func(res unsafe.Pointer) uint64
	destroyQueryResult       func(res unsafe.Pointer)
	streamInsertN            func(conn unsafe.Pointer, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) unsafe.Pointer
	streamAppend             func(stream unsafe.Pointer, data unsafe.Pointer, n uintptr) int32
	streamDone               func(stream unsafe.Pointer) unsafe.Pointer
	streamCancelInsert       func(stream unsafe.Pointer)
	streamInsertError        func(stream unsafe.Pointer) string
	destroyInsertStream      func(stream unsafe.Pointer)
	version                  func() string
}

var (
	loadOnce sync.Once
	loaded   *api
	loadErr  error
	loadPath string
)

// libraryCandidates lists where to look for libchdb.so, in order: the
// explicit path, then TOLLGATE_CHDB_LIB, then the cache scripts/libchdb.sh
// fills. An explicit path or the variable, when set, is the only candidate for
// its step, so a typo is reported rather than silently bypassed.
func libraryCandidates(explicit string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	if env := os.Getenv(libEnv); env != "" {
		return []string{env}
	}
	return []string{filepath.Join(cacheDir(), "tollgate", "libchdb", LibraryVersion, "libchdb.so")}
}

// cacheDir mirrors scripts/libchdb.sh: TOLLGATE_CHDB_CACHE, else
// XDG_CACHE_HOME, else ~/.cache. TOLLGATE_CHDB_CACHE already includes the
// tollgate/libchdb suffix in the script, so it is normalised here.
func cacheDir() string {
	if c := os.Getenv("TOLLGATE_CHDB_CACHE"); c != "" {
		// The script's layout is $TOLLGATE_CHDB_CACHE/<version>/libchdb.so.
		return strings.TrimSuffix(strings.TrimSuffix(c, "/"), filepath.Join("tollgate", "libchdb"))
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return x
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".cache"
	}
	return filepath.Join(home, ".cache")
}

// load opens libchdb once per process. The first caller's path wins; a later
// call with a different explicit path gets the already loaded library.
func load(explicit string) (*api, error) {
	loadOnce.Do(func() {
		loaded, loadPath, loadErr = dlopen(libraryCandidates(explicit))
	})
	return loaded, loadErr
}

func dlopen(candidates []string) (*api, string, error) {
	var tried []string
	for _, path := range candidates {
		if _, err := os.Stat(path); err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", path, errors.Unwrap(err)))
			continue
		}
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (dlopen: %v)", path, err))
			continue
		}
		a, err := bind(h)
		if err != nil {
			return nil, path, fmt.Errorf("%w: %s: %w", ErrLibraryMissing, path, err)
		}
		return a, path, nil
	}
	return nil, "", fmt.Errorf("%w: looked in %s; %s", ErrLibraryMissing, strings.Join(tried, ", "), fetchHint)
}

// bind resolves every symbol first so an old or foreign library is an error,
// not a panic inside purego.
func bind(h uintptr) (*api, error) {
	a := &api{}
	fns := []struct {
		name string
		fptr any
	}{
		{"chdb_set_signal_handlers_enabled", &a.setSignalHandlersEnabled},
		{"chdb_connect", &a.connect},
		{"chdb_close_conn", &a.closeConn},
		{"chdb_query_n", &a.queryN},
		{"chdb_result_buffer", &a.resultBuffer},
		{"chdb_result_length", &a.resultLength},
		{"chdb_result_error", &a.resultError},
		{"chdb_result_rows_written", &a.resultRowsWritten},
		{"chdb_destroy_query_result", &a.destroyQueryResult},
		{"chdb_stream_insert_n", &a.streamInsertN},
		{"chdb_stream_append", &a.streamAppend},
		{"chdb_stream_done", &a.streamDone},
		{"chdb_stream_cancel_insert", &a.streamCancelInsert},
		{"chdb_stream_insert_error", &a.streamInsertError},
		{"chdb_destroy_insert_stream", &a.destroyInsertStream},
		{"chdb_version", &a.version},
	}
	for _, f := range fns {
		sym, err := purego.Dlsym(h, f.name)
		if err != nil {
			return nil, fmt.Errorf("symbol %s: %w", f.name, err)
		}
		purego.RegisterFunc(f.fptr, sym)
	}
	return a, nil
}
