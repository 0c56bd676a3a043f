package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/service"
	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/router"
)

// AddRouter adds the router to g: the policy (router.policy_file or the built-in default),
// reloaded on SIGHUP and on file change, and the consume → decide → produce loop.
func AddRouter(ctx context.Context, g *Group, d *Deps) error {
	cfg := d.Config
	log := d.Log.With("component", "router")
	metrics := router.NewMetrics(d.Admin.Registry)
	var policy *router.Policy
	var err error
	if cfg.Router.PolicyFile == "" {
		policy, err = router.DefaultPolicy()
	} else {
		var text []byte
		if text, err = os.ReadFile(cfg.Router.PolicyFile); err == nil {
			policy, err = router.LoadPolicy(text)
		}
	}
	if err != nil {
		return fmt.Errorf("router.policy_file %s: %w", cfg.Router.PolicyFile, err)
	}
	holder := router.NewPolicyHolder(policy, log, metrics)
	log.Info("policy loaded", "file", cfg.Router.PolicyFile, "version", policy.Version())
	if cfg.Router.PolicyFile != "" {
		watcher := router.NewFileWatcher(holder, cfg.Router.PolicyFile)
		g.AddContext(ctx, func(ctx context.Context) error { return watcher.Run(ctx, cfg.Router.PolicyPoll.D()) })
		g.AddContext(ctx, func(ctx context.Context) error {
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-hup:
					if _, err := watcher.Check(); err != nil {
						log.Error("policy reload on SIGHUP refused; the running policy stays", "err", err)
					}
				}
			}
		})
	}
	svc := router.NewService(router.ServiceConfig{Kafka: cfg.Kafka, Group: cfg.Router.Group, Topics: d.Topics},
		d.Codec, holder, d.Producer, metrics, log)
	d.Admin.AddCheck("router", svc.Ready)
	g.AddContext(ctx, svc.Run)
	return nil
}

// AuditorRun is a running auditor's store and auditor, for the console of tollgate up.
type AuditorRun struct {
	Store   *Store
	Auditor *auditor.Auditor
}

// AddAuditor adds the auditor to g: the store (engine, when this process runs the embedded
// one), migrations, and the consume → ClickHouse → findings loop with its sweep. Close the
// returned store when g has finished.
func AddAuditor(ctx context.Context, g *Group, d *Deps, engine *chdb.DB) (*AuditorRun, error) {
	cfg := d.Config
	log := d.Log // the auditor names its component itself
	store, err := OpenStore(ctx, cfg, engine)
	if err != nil {
		return nil, err
	}
	if _, err := MigrateStore(ctx, cfg, store); err != nil {
		store.Close()
		return nil, fmt.Errorf("clickhouse migrations: %w", err)
	}
	a, err := auditor.New(store, cfg.Auditor.Detections, auditor.Options{Logger: log, Registerer: d.Admin.Registry})
	if err != nil {
		store.Close()
		return nil, err
	}
	svc := service.New(service.Config{
		Kafka: cfg.Kafka, Group: cfg.Auditor.Group, Topics: d.Topics, BatchSize: cfg.Auditor.BatchSize,
		FlushInterval: cfg.Auditor.FlushInterval.D(), SweepInterval: cfg.Auditor.SweepInterval.D(),
		Grace: cfg.Auditor.GraceDurations(), Suppress: cfg.Auditor.Suppressions(),
	}, a, d.Codec, d.Producer, d.Admin.Registry, log)
	d.Admin.AddCheck("auditor", svc.Ready)
	g.AddContext(ctx, svc.Run)
	return &AuditorRun{Store: store, Auditor: a}, nil
}
