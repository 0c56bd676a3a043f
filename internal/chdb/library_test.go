package chdb

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingLibraryNamesPathAndFetchHint(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "libchdb.so")
	_, _, err := dlopen(libraryCandidates(missing))
	if !errors.Is(err, ErrLibraryMissing) {
		t.Fatalf("got %v, want ErrLibraryMissing", err)
	}
	for _, want := range []string{missing, "scripts/libchdb.sh", "make libchdb", libEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLibraryCandidatesOrder(t *testing.T) {
	t.Setenv(libEnv, "/from/env/libchdb.so")
	if got := libraryCandidates("/explicit.so"); got[0] != "/explicit.so" {
		t.Errorf("explicit path not first: %v", got)
	}
	if got := libraryCandidates(""); got[0] != "/from/env/libchdb.so" {
		t.Errorf("env path not used: %v", got)
	}
	t.Setenv(libEnv, "")
	t.Setenv("TOLLGATE_CHDB_CACHE", "/cache/tollgate/libchdb")
	if got, want := libraryCandidates("")[0], "/cache/tollgate/libchdb/"+LibraryVersion+"/libchdb.so"; got != want {
		t.Errorf("cache path = %s, want %s (the layout of scripts/libchdb.sh)", got, want)
	}
	t.Setenv("TOLLGATE_CHDB_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got, want := libraryCandidates("")[0], "/xdg/tollgate/libchdb/"+LibraryVersion+"/libchdb.so"; got != want {
		t.Errorf("xdg path = %s, want %s", got, want)
	}
}

// TestOpenWithoutLibrary runs Open in a fresh process, since the library is
// loaded once per process and this one may already have it.
func TestOpenWithoutLibrary(t *testing.T) {
	if os.Getenv("CHDB_TEST_CHILD") == "1" {
		_, err := Open(Options{DataDir: t.TempDir()})
		if !errors.Is(err, ErrLibraryMissing) {
			t.Fatalf("Open without library: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenWithoutLibrary$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CHDB_TEST_CHILD=1", libEnv+"="+filepath.Join(t.TempDir(), "absent.so"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("child did not pass:\n%s", out)
	}
}
