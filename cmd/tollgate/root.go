package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/config"
)

// globals are the flags every subcommand takes.
type globals struct {
	configFile string
	sets       []string
	logLevel   string
	logFormat  string
}

// flagSets turns convenience flags into --set overrides so that flags, environment and file
// go through one path with one set of error messages.
func (g *globals) source(extra ...string) config.Source {
	file := g.configFile
	if file == "" {
		file = os.Getenv("TOLLGATE_CONFIG")
	}
	sets := append([]string(nil), extra...)
	if g.logLevel != "" {
		sets = append(sets, "log.level="+g.logLevel)
	}
	if g.logFormat != "" {
		sets = append(sets, "log.format="+g.logFormat)
	}
	return config.Source{File: file, Env: os.Environ(), Sets: append(sets, g.sets...)}
}

// load reads the configuration and builds the logger.
func (g *globals) load(extra ...string) (*app.Config, *slog.Logger, error) {
	cfg, err := app.LoadConfig(g.source(extra...))
	if err != nil {
		return nil, nil, err
	}
	return cfg, app.NewLogger(cfg.Log, os.Stderr), nil
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "Keep identity operations honest: route IAM and ITSM events by governance impact and audit them",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configFile, "config", "c", "", "configuration file (YAML); also TOLLGATE_CONFIG")
	pf.StringArrayVar(&g.sets, "set", nil, "override a configuration key, e.g. --set kafka.brokers=a:9092,b:9092 (repeatable)")
	pf.StringVar(&g.logLevel, "log-level", "", "debug, info, warn or error")
	pf.StringVar(&g.logFormat, "log-format", "", "json or text")
	root.AddCommand(
		newUpCmd(g),
		newIngestCmd(g),
		newServiceCmd(g, "router", "Classify events with the policy and route them to lane topics"),
		newServiceCmd(g, "auditor", "Write routed events to ClickHouse, correlate tickets and raise findings"),
		newTopicsCmd(g),
		newSchemasCmd(g),
		newConfigCmd(g),
		newMigrateCmd(g),
		newPolicyCmd(g),
		newSendCmd(),
		newGenCmd(g),
		newFindingsCmd(g),
		newIdentitiesCmd(g),
		newConsoleCmd(g),
		newImportCmd(g),
		newSyncCmd(g),
		newPullCmd(g),
		newQueryCmd(g),
		newBenchCmd(g),
		newHealthcheckCmd(),
		newVersionCmd(),
	)
	return root
}

// exitCode maps errors to process exit codes: 2 for configuration and usage problems, 1 otherwise.
func exitCode(err error) int {
	if errors.Is(err, config.ErrInvalid) {
		return 2
	}
	return 1
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v, rev := "(devel)", ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				v = bi.Main.Version
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						rev = s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "tollgate %s %s\n", v, rev)
		},
	}
}
