package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
)

// newConsoleCmd is `tollgate console`: the web console of `tollgate up` as a service of its
// own, against the configured ClickHouse (server mode, the auditor's database) and Kafka
// (for the dead-letter queue). It migrates nothing: the auditor owns the schema.
func newConsoleCmd(g *globals) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the web console (findings, triage, queues) against the configured ClickHouse",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sets []string
			if listen != "" {
				sets = append(sets, "console.listen="+listen)
			}
			cfg, log, err := g.load(sets...)
			if err != nil {
				return err
			}
			ln, err := app.Listen("console", cfg.Console.Listen)
			if err != nil {
				return err
			}
			defer ln.Close()
			store, err := app.OpenStore(cmd.Context(), cfg, nil)
			if err != nil {
				return err
			}
			defer store.Close()
			a, err := auditor.New(store, cfg.Auditor.Detections, auditor.Options{Logger: log})
			if err != nil {
				return err
			}
			if err := a.Ping(cmd.Context()); err != nil {
				return err
			}
			qs, err := app.OpenQueryStore(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer qs.Close()
			h, err := app.NewConsole(cmd.Context(), cfg, qs, a, log)
			if err != nil {
				return err
			}
			group := app.NewGroup(log, cfg.ShutdownTimeout.D())
			group.AddHTTP("console", ln, h)
			fmt.Fprintf(cmd.ErrOrStderr(), "tollgate console on http://%s/ui/ (%s)\n", dialable(ln.Addr().String()), consoleExposure(cfg))
			return group.Run()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "listen address (console.listen; loopback unless console.auth is configured)")
	return cmd
}
