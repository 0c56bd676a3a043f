package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/ingest"
)

// headerTransport adds fixed headers (a source's shared secret) to every request.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.header {
		r.Header[k] = v
	}
	return t.next.RoundTrip(r)
}

func newSendCmd() *cobra.Command {
	var source, url string
	var headers []string
	var secretFile string
	cmd := &cobra.Command{
		Use:   "send --source SOURCE [--url URL] FILE...",
		Short: "Post vendor payload files (JSON, or JSONL with one payload per line) to a running ingest",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			known := false
			for _, s := range append(ingest.SourceNames(), ingest.SourceGeneric) {
				known = known || s == source
			}
			if !known {
				return fmt.Errorf("send: --source %q is not one of %s, %s", source, strings.Join(ingest.SourceNames(), ", "), ingest.SourceGeneric)
			}
			h := http.Header{}
			for _, kv := range headers {
				k, v, ok := strings.Cut(kv, ":")
				if !ok {
					return fmt.Errorf("send: --header %q: want \"Name: value\"", kv)
				}
				h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			if secretFile != "" {
				b, err := os.ReadFile(secretFile)
				if err != nil {
					return fmt.Errorf("send: %w", err)
				}
				h.Set("Authorization", strings.TrimSpace(string(b)))
			}
			client := &http.Client{Timeout: 30 * time.Second, Transport: headerTransport{header: h, next: http.DefaultTransport}}
			sum, err := ingest.Send(cmd.Context(), url, source, files, client)
			fmt.Fprintf(cmd.OutOrStdout(), "sent %d files, %d requests, %d payloads, %d events accepted, %d rejected\n", sum.Files, sum.Requests, sum.Payloads, sum.Events, sum.Rejected)
			for _, r := range sum.Rejections {
				fmt.Fprintf(cmd.ErrOrStderr(), "rejected: %s item %d: %s\n", r.Where, r.Index, r.Error)
			}
			if err == nil && sum.Rejected > 0 {
				// The rest was stored; the rejected items are in the DLQ, not lost, but the
				// files hold input tollgate cannot read and a script should notice.
				err = fmt.Errorf("send: ingest rejected %d items (dead-lettered to the DLQ; reasons above)", sum.Rejected)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "okta, entra, cloudtrail, google_workspace, servicenow, jira_sm or generic (canonical events)")
	f.StringVar(&url, "url", "http://127.0.0.1:8080", "base URL of the ingest")
	f.StringArrayVar(&headers, "header", nil, "extra request header \"Name: value\" (repeatable)")
	f.StringVar(&secretFile, "secret-file", "", "file holding the source's shared secret, sent as Authorization")
	_ = cmd.MarkFlagRequired("source")
	return cmd
}
