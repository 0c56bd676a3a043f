package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/kafka"
)

func newUpCmd(g *globals) *cobra.Command {
	var dataDir, kafkaAddr, registryAddr, listen string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run everything in one process: embedded Kafka, Schema Registry and ClickHouse, plus the services",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sets []string
			for key, v := range map[string]string{"up.data_dir": dataDir, "up.kafka_addr": kafkaAddr, "up.registry_addr": registryAddr, "ingest.listen": listen} {
				if v != "" {
					sets = append(sets, key+"="+v)
				}
			}
			cfg, log, err := g.load(sets...)
			if err != nil {
				return err
			}
			start := time.Now()
			ln, err := app.Listen("ingest", cfg.Ingest.Listen)
			if err != nil {
				return err
			}
			stack, err := app.StartStack(cmd.Context(), cfg, log)
			if err != nil {
				ln.Close()
				return err
			}
			defer stack.Close()
			codec, srClient, err := app.NewCodec(cfg.Registry)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			if _, err := app.RegisterSchemas(ctx, codec, kafka.TopicNames(cfg.Kafka.TopicPrefix)); err != nil {
				return err
			}
			admin := app.NewAdmin()
			admin.AddCheck("kafka", func(ctx context.Context) error { return kafka.Ping(ctx, cfg.Kafka) })
			admin.AddCheck("schema_registry", app.RegistryCheck(srClient))
			admin.AddCheck("clickhouse", func(ctx context.Context) error { return stack.Engine.Exec(ctx, "SELECT 1") })

			group := app.NewGroup(log, cfg.ShutdownTimeout.D())
			group.OnDrain(admin.Drain)
			group.AddHTTP("ingest", ln, admin.Handler())
			log.Info("tollgate up", "startup", time.Since(start).String())
			fmt.Fprintf(os.Stderr, `
tollgate is up (started in %s)
  kafka            %s
  schema registry  %s
  clickhouse       embedded, data in %s
  ingest           http://%s  (/healthz, /readyz, /metrics)
  data directory   %s

Try:
  curl -s http://%s/readyz
  tollgate schemas register
Ctrl-C stops everything cleanly.
`, time.Since(start).Round(time.Millisecond), stack.Broker.Addr(), stack.Registry.URL(), cfg.ClickHouse.Embedded.DataDir,
				ln.Addr(), cfg.Up.DataDir, ln.Addr())
			return group.Run()
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "where the broker, registry and engine keep their data (default ./tollgate-data)")
	f.StringVar(&kafkaAddr, "kafka-addr", "", "embedded Kafka listen address (default 127.0.0.1:9092)")
	f.StringVar(&registryAddr, "registry-addr", "", "embedded Schema Registry listen address (default 127.0.0.1:8081)")
	f.StringVar(&listen, "listen", "", "ingest HTTP listen address (default :8080)")
	return cmd
}

func newServiceCmd(g *globals, name, short string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("%s: %w", name, errNotBuilt)
		},
	}
}
