package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/app"
)

func newUpCmd(g *globals) *cobra.Command {
	var dataDir, kafkaAddr, registryAddr, listen, consoleListen string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run everything in one process: embedded Kafka, Schema Registry and ClickHouse, plus the services",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sets []string
			for key, v := range map[string]string{"up.data_dir": dataDir, "up.kafka_addr": kafkaAddr, "up.registry_addr": registryAddr,
				"ingest.listen": listen, "console.listen": consoleListen} {
				if v != "" {
					sets = append(sets, key+"="+v)
				}
			}
			if insecure {
				sets = append(sets, "ingest.insecure_allow_unauthenticated=true")
			}
			cfg, log, err := g.load(sets...)
			if err != nil {
				return err
			}
			if err := app.CheckIngestExposure(cfg); err != nil {
				return err
			}
			start := time.Now()
			ln, err := app.Listen("ingest", cfg.Ingest.Listen)
			if err != nil {
				return err
			}
			cln, err := app.Listen("console", cfg.Console.Listen)
			if err != nil {
				ln.Close()
				return err
			}
			stack, err := app.StartStack(cmd.Context(), cfg, log)
			if err != nil {
				ln.Close()
				cln.Close()
				return err
			}
			defer stack.Close()
			admin := app.NewAdmin()
			deps, err := app.NewDeps(cmd.Context(), cfg, log, admin)
			if err != nil {
				ln.Close()
				cln.Close()
				return err
			}
			defer deps.Producer.Close()
			admin.AddCheck("clickhouse", func(ctx context.Context) error { return stack.Engine.Exec(ctx, "SELECT 1") })

			group := app.NewGroup(log, cfg.ShutdownTimeout.D())
			group.OnDrain(admin.Drain)
			mux := app.IngestHandler(deps)
			group.AddHTTP("ingest", ln, mux)
			if err := app.AddRawConsumer(cmd.Context(), group, deps); err != nil {
				return err
			}
			if err := app.AddConnectors(cmd.Context(), group, deps); err != nil {
				return err
			}
			if err := app.AddRouter(cmd.Context(), group, deps); err != nil {
				return err
			}
			run, err := app.AddAuditor(cmd.Context(), group, deps, stack.Engine)
			if err != nil {
				return err
			}
			if err := app.AddActions(cmd.Context(), group, deps); err != nil {
				return err
			}
			qs, err := app.OpenQueryStore(cmd.Context(), cfg, log)
			if err != nil {
				cln.Close()
				return err
			}
			defer qs.Close()
			ch, err := app.NewConsole(cmd.Context(), cfg, qs, run.Auditor, log)
			if err != nil {
				cln.Close()
				return err
			}
			group.AddHTTP("console", cln, ch)
			log.Info("tollgate up", "startup", time.Since(start).String())
			exposure := "loopback only"
			if !app.IsLoopback(ln.Addr().String()) {
				exposure = "OPEN TO OTHER HOSTS"
				if cfg.Ingest.InsecureAllowUnauthenticated {
					exposure += ", unauthenticated sources allowed by insecure_allow_unauthenticated"
				}
			}
			fmt.Fprintf(os.Stderr, `
tollgate is up (started in %s)
  kafka            %s
  schema registry  %s
  clickhouse       embedded, data in %s
  ingest           http://%s  (%s; /healthz, /readyz, /metrics)
  console          http://%s/ui/  (%s; tollgate findings and tollgate query use it too)
  data directory   %s

Try, in another terminal:
  curl -s http://%s/readyz
  tollgate gen --out /tmp/tollgate-samples --events 3000
  for f in /tmp/tollgate-samples/*.jsonl; do tollgate send --source "$(basename "$f" .jsonl)" "$f"; done
  tollgate findings --status open
  tollgate query "SELECT lane, count() FROM events FINAL GROUP BY lane"
Ctrl-C stops everything cleanly.
`, time.Since(start).Round(time.Millisecond), stack.Broker.Addr(), stack.Registry.URL(), cfg.ClickHouse.Embedded.DataDir,
				dialable(ln.Addr().String()), exposure, cln.Addr().String(), consoleExposure(cfg), cfg.Up.DataDir, dialable(ln.Addr().String()))
			return group.Run()
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "where the broker, registry and engine keep their data (default ./tollgate-data)")
	f.StringVar(&kafkaAddr, "kafka-addr", "", "embedded Kafka listen address (default 127.0.0.1:9092)")
	f.StringVar(&registryAddr, "registry-addr", "", "embedded Schema Registry listen address (default 127.0.0.1:8081)")
	f.StringVar(&listen, "listen", "", "ingest HTTP listen address (default "+app.DefaultIngestListen+", loopback only)")
	f.StringVar(&consoleListen, "console-listen", "", "console HTTP listen address, loopback only (default "+app.DefaultConsoleListen+")")
	f.BoolVar(&insecure, "insecure-allow-unauthenticated", false, "allow a non-loopback --listen while some ingest source has no secret (ingest.insecure_allow_unauthenticated)")
	return cmd
}

func newIngestCmd(g *globals) *cobra.Command {
	var listen string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Run the HTTP receivers: normalize vendor events and produce them to Kafka",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sets []string
			if listen != "" {
				sets = append(sets, "ingest.listen="+listen)
			}
			if insecure {
				sets = append(sets, "ingest.insecure_allow_unauthenticated=true")
			}
			cfg, log, err := g.load(sets...)
			if err != nil {
				return err
			}
			if err := app.CheckIngestExposure(cfg); err != nil {
				return err
			}
			ln, err := app.Listen("ingest", cfg.Ingest.Listen)
			if err != nil {
				return err
			}
			admin := app.NewAdmin()
			deps, err := app.NewDeps(cmd.Context(), cfg, log, admin)
			if err != nil {
				ln.Close()
				return err
			}
			defer deps.Producer.Close()
			group := app.NewGroup(log, cfg.ShutdownTimeout.D())
			group.OnDrain(admin.Drain)
			group.AddHTTP("ingest", ln, app.IngestHandler(deps))
			if err := app.AddRawConsumer(cmd.Context(), group, deps); err != nil {
				return err
			}
			if err := app.AddConnectors(cmd.Context(), group, deps); err != nil {
				return err
			}
			return group.Run()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "HTTP listen address (default "+app.DefaultIngestListen+", loopback only)")
	cmd.Flags().BoolVar(&insecure, "insecure-allow-unauthenticated", false, "allow a non-loopback --listen while some source has no secret (ingest.insecure_allow_unauthenticated)")
	return cmd
}

// newServiceCmd runs the router or the auditor against external Kafka, Schema Registry and
// (for the auditor) ClickHouse, with the admin endpoints on their own listener.
func newServiceCmd(g *globals, name, short string) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sets []string
			if listen != "" {
				sets = append(sets, name+".listen="+listen)
			}
			cfg, log, err := g.load(sets...)
			if err != nil {
				return err
			}
			addr := cfg.Router.Listen
			if name == "auditor" {
				addr = cfg.Auditor.Listen
			}
			ln, err := app.Listen(name+" admin", addr)
			if err != nil {
				return err
			}
			admin := app.NewAdmin()
			deps, err := app.NewDeps(cmd.Context(), cfg, log, admin)
			if err != nil {
				ln.Close()
				return err
			}
			defer deps.Producer.Close()
			group := app.NewGroup(log, cfg.ShutdownTimeout.D())
			group.OnDrain(admin.Drain)
			group.AddHTTP(name+" admin", ln, admin.Handler())
			switch name {
			case "router":
				err = app.AddRouter(cmd.Context(), group, deps)
			case "auditor":
				var run *app.AuditorRun
				if run, err = app.AddAuditor(cmd.Context(), group, deps, nil); err == nil {
					defer run.Store.Close()
					// The actions stage on tollgate.findings runs beside the auditor (actions:).
					err = app.AddActions(cmd.Context(), group, deps)
				}
			}
			if err != nil {
				ln.Close()
				return err
			}
			return group.Run()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "admin listen address for /healthz, /readyz, /metrics")
	return cmd
}

// dialable turns a wildcard listen address into one a person can paste into curl.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// consoleExposure says who can reach the console, for the start-up banner.
func consoleExposure(cfg *app.Config) string {
	switch c := cfg.Console; {
	case c.Auth.OIDC != nil:
		return "sign-in through " + c.Auth.OIDC.Issuer
	case c.Authenticated():
		return "bearer tokens or a token sign-in"
	}
	return "loopback only, no sign-in"
}
