package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/gen"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestConsoleInBrowser runs `tollgate up` as the README does, sends it gen's events, and
// drives the web console in headless Chromium (Debian's chromium package): the findings
// page lists a planted finding, its page shows the evidence and what to do, an
// acknowledgement recorded in the browser shows in `tollgate findings show`, and a form
// another site's page posts to the console is refused by the browser's own Sec-Fetch-Site
// (nothing is recorded). Screenshots go to $TOLLGATE_ARTIFACTS/console (CI keeps them).
func TestConsoleInBrowser(t *testing.T) {
	browser := findChromium(t)
	dir := t.TempDir()
	samples, manifest := runGen(t)
	ingestAddr, consoleAddr := freeAddr(t), freeAddr(t)
	writeConf := func(name, consoleAuth string) []string {
		p := filepath.Join(dir, name)
		conf := fmt.Sprintf("up:\n  data_dir: %s\n  kafka_addr: 127.0.0.1:0\n  registry_addr: 127.0.0.1:0\ningest:\n  listen: %s\nconsole:\n  listen: %s\n%s"+
			"auditor:\n  flush_interval: 100ms\nshutdown_timeout: 20s\nlog:\n  level: warn\n", filepath.Join(dir, "data"), ingestAddr, consoleAddr, consoleAuth)
		if err := os.WriteFile(p, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"--config", p}
	}
	global := writeConf("tollgate.yaml", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// tollgate up in a process of its own, as a user runs it: the embedded engine belongs
	// to one data directory per process, and other tests of this package open their own.
	up := startTollgate(t, append(global, "up")...)
	defer up.stop(t)
	waitHTTP(t, up.done, "http://"+ingestAddr+"/readyz")

	files, _ := filepath.Glob(filepath.Join(samples, "*.jsonl"))
	for _, f := range files {
		run(t, append(global, "send", "--url", "http://"+ingestAddr, "--source", strings.TrimSuffix(filepath.Base(f), ".jsonl"), f)...)
	}
	var planted gen.Entry
	for _, e := range manifest.Entries {
		if e.Kind == auditor.KindMFAResetThenPrivilege {
			planted = e
		}
	}
	if planted.Kind == "" {
		t.Fatalf("gen planted no %s: %+v", auditor.KindMFAResetThenPrivilege, manifest.Entries)
	}
	console := "http://" + consoleAddr
	id := waitFinding(t, console, planted)

	shots := artifactDir(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	browse(t, tab) // starts the browser on the tab's own context, without a timeout (chromedp.Run)
	tab, cancelTimeout := context.WithTimeout(tab, 2*time.Minute)
	defer cancelTimeout()

	// The list: most severe first, the planted finding among the open ones.
	row := fmt.Sprintf(`#findings tr[data-finding=%q]`, id)
	browse(t, tab, chromedp.Navigate(console+"/ui/findings"), chromedp.WaitVisible(chromedp.CSS(row)), screenshot(shots, "findings.png"))
	rows := get(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#findings tbody tr[data-finding] .sev")].map(e => e.textContent)`))
	if len(rows) < len(manifest.Entries) || !slices.IsSortedFunc(rows, func(a, b string) int { return sevOrder(a) - sevOrder(b) }) {
		t.Fatalf("findings page rows by severity %v: want at least the %d planted, most severe first", rows, len(manifest.Entries))
	}

	// The finding's page, reached by its link: evidence, advice, the grant.
	browse(t, tab, chromedp.Click(chromedp.CSS(row+` a[href^="/ui/findings/"]`)), chromedp.WaitVisible(chromedp.CSS("#triage-form")), screenshot(shots, "finding.png"))
	summary := get(t, tab, chromedp.Text(chromedp.CSS("#summary")))
	advice := get(t, tab, chromedp.Text(chromedp.CSS("#advice")))
	evidence := get(t, tab, chromedp.Evaluate[string](`[...document.querySelectorAll("details.event summary")].map(e => e.textContent).join("\n")`))
	if !strings.Contains(summary, planted.Principal) || advice != auditor.Advice(auditor.KindMFAResetThenPrivilege) || !strings.Contains(evidence, "MFA_RESET") || !strings.Contains(evidence, "ACCESS_GRANT") {
		t.Fatalf("finding page: summary %q, advice %q, evidence %q", summary, advice, evidence)
	}

	// Acknowledge it in the browser.
	browse(t, tab,
		chromedp.SetValue(chromedp.CSS(`input[name="by"]`), "browser-analyst"),
		chromedp.SetValue(chromedp.CSS("#action"), string(auditor.TriageAcknowledge)),
		chromedp.Click(chromedp.CSS("#triage-submit")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
		screenshot(shots, "acknowledged.png"))
	flash := get(t, tab, chromedp.Text(chromedp.CSS("#flash")))
	state := get(t, tab, chromedp.Text(chromedp.CSS("#triage-state")))
	if flash != "ACKNOWLEDGE recorded" || !strings.Contains(state, "ACKNOWLEDGE") {
		t.Fatalf("after acknowledging: flash %q, state %q", flash, state)
	}
	out := run(t, append(global, "findings", "show", id)...)
	if !strings.Contains(out, "ACKNOWLEDGE by browser-analyst") || !strings.Contains(out, "triage decisions (1)") {
		t.Fatalf("findings show after the browser's acknowledgement:\n%s", out)
	}

	// Another site's page posting a decision to the console: the browser says the request
	// is cross-site and the console refuses it.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<form id="f" method="post" action="%s/ui/findings/%s/triage"><input name="by" value="mallory"><input name="action" value="FALSE_POSITIVE"><input name="reason" value="x"></form><script>document.getElementById("f").submit()</script>`, console, id)
	}))
	defer evil.Close()
	browse(t, tab, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)), void(chromedp.Poll[bool](`document.body && document.body.innerText.includes("refused")`)), screenshot(shots, "cross-site-refused.png"))
	if body := get(t, tab, chromedp.Text(chromedp.CSS("body"))); !strings.Contains(body, "cross-origin request refused") {
		t.Fatalf("the cross-site form post was answered with %q", body)
	}
	out = run(t, append(global, "findings", "show", id)...)
	if strings.Contains(out, "mallory") || !strings.Contains(out, "triage decisions (1)") {
		t.Fatalf("a cross-site post was recorded:\n%s", out)
	}

	// tollgate console on the same data once up has stopped, with a static token: the CLI
	// and API need the token, a browser signs in with it, and its decisions are the token's.
	up.stop(t)
	token := "night-shift-token-0123456789abcdef"
	tokenFile := filepath.Join(dir, "console.token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	authed := writeConf("authed.yaml", "  auth:\n    tokens:\n      - name: night-shift\n        token_file: "+tokenFile+"\n")
	cons := startTollgate(t, append(authed, "console")...)
	defer cons.stop(t)
	waitHTTP(t, cons.done, console+"/ui/static/style.css")
	if resp, err := http.Get(console + "/v1/console/findings?id=" + id); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("findings without the token: %v %v, want 401", resp, err)
	}
	req, _ := http.NewRequest(http.MethodGet, console+"/v1/console/findings?id="+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("findings with the token: %v %v", resp, err)
	}
	browse(t, tab, chromedp.Navigate(console+"/ui/findings/"+id), chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SetValue(chromedp.CSS(`input[name="token"]`), token), chromedp.Submit(chromedp.CSS("#login-form")),
		chromedp.WaitVisible(chromedp.CSS("#triage-form")))
	if who := get(t, tab, chromedp.Text(chromedp.CSS("#actor"))); who != "night-shift" {
		t.Fatalf("signed in as %q", who)
	}
	// A signed-in console asks nobody who decides: it records the token's name.
	browse(t, tab, chromedp.SetValue(chromedp.CSS("#action"), string(auditor.TriageAssign)),
		chromedp.SetValue(chromedp.CSS(`input[name="assignee"]`), "iam-team"), chromedp.Click(chromedp.CSS("#triage-submit")),
		chromedp.WaitVisible(chromedp.CSS("#flash")), screenshot(shots, "signed-in-assign.png"))
	t.Setenv(app.ConsoleTokenEnv, token)
	out = run(t, append(authed, "findings", "show", id)...)
	if !strings.Contains(out, "ASSIGN by night-shift") || !strings.Contains(out, "triage decisions (2)") {
		t.Fatalf("findings show through the signed-in console:\n%s", out)
	}
}

// process is a tollgate command running in a process of its own.
type process struct {
	cmd     *exec.Cmd
	out     *bytes.Buffer
	done    chan error
	stopped bool
}

// startTollgate runs the test binary as tollgate with args (see TestMain).
func startTollgate(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0], args...), out: &bytes.Buffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

// stop interrupts the process as Ctrl-C does and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("tollgate %v: %v\n%s", p.cmd.Args[1:], err, p.out.String())
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("tollgate %v did not stop on SIGINT", p.cmd.Args[1:])
	}
}

// browse runs steps in the tab, failing the test on the first error.
func browse(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// void is a, its value dropped.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := a(ctx, tg)
		return err
	})
}

// get runs one action in the tab and returns its value.
func get[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(tab, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// runMainEnv makes the test binary run tollgate's main with its arguments (TestMain).
const runMainEnv = "TG_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"tollgate"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func sevOrder(s string) int {
	return slices.Index([]string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}, strings.TrimSpace(s))
}

// findChromium is the system browser. CI installs it (.ci/run); elsewhere the test says
// how to get it.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TOLLGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: CI must install Debian's chromium package (.ci/run does)")
	}
	t.Skip("no chromium on PATH: apt-get install chromium (or set TOLLGATE_CHROMIUM) to run the browser test")
	return ""
}

// artifactDir is where screenshots go: $TOLLGATE_ARTIFACTS/console, else the test's temp dir.
func artifactDir(t *testing.T) string {
	base := os.Getenv("TOLLGATE_ARTIFACTS")
	if base == "" {
		return t.TempDir()
	}
	d := filepath.Join(base, "console")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// screenshot saves the page as PNG: the window for the long findings list, else the whole page.
func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		shot := chromedp.FullScreenshot(100)
		if name == "findings.png" {
			shot = chromedp.CaptureScreenshot()
		}
		b, err := shot(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHTTP waits until u answers 200, failing if up stops first.
func waitHTTP(t *testing.T, done <-chan error, u string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("tollgate up stopped: %v", err)
		default:
		}
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer in time", u)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitFinding waits until the console holds the open finding gen planted as e.
func waitFinding(t *testing.T, console string, e gen.Entry) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(console + "/v1/console/findings?status=OPEN&kind=" + e.Kind + "&principal=" + url.QueryEscape(e.Principal))
		if err != nil {
			t.Fatal(err)
		}
		var fs []schemas.Finding
		_ = json.NewDecoder(resp.Body).Decode(&fs)
		resp.Body.Close()
		if len(fs) > 0 {
			return fs[0].FindingID
		}
		if time.Now().After(deadline) {
			t.Fatalf("no open %s for %s in time", e.Kind, e.Principal)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// run runs one tollgate command and returns its output.
func run(t *testing.T, args ...string) string {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("tollgate %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}
