package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
)

func newSchemasCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "schemas", Short: "Register and check the Avro schemas"}
	cmd.AddCommand(&cobra.Command{
		Use:   "register",
		Short: "Register every topic's value schema with the configured registry (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			codec, _, err := app.NewCodec(cfg.Registry)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			regs, err := app.RegisterSchemas(ctx, codec, kafka.TopicNames(cfg.Kafka.TopicPrefix))
			for _, r := range regs {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\tid=%d\n", r.Subject, r.Record, r.ID)
			}
			return err
		},
	})
	var dir string
	check := &cobra.Command{
		Use:   "check",
		Short: "Check that the schemas parse and are compatible with every released version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("schemas check: %w (run it from the repository root or pass --dir)", err)
			}
			fsys := os.DirFS(dir)
			current, err := schemas.Load(fsys, ".")
			if err != nil {
				return err
			}
			results, err := schemas.Check(current, fsys)
			if err != nil {
				return err
			}
			var problems []error
			for _, r := range results {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\treleased versions %v\t", r.Name, r.Level, r.Versions)
				if len(r.Problems) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "ok")
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), "INCOMPATIBLE")
				for _, p := range r.Problems {
					problems = append(problems, errors.New(p))
				}
			}
			if len(problems) > 0 {
				return errors.Join(problems...)
			}
			return nil
		},
	}
	check.Flags().StringVar(&dir, "dir", "schemas", "the schemas directory of a checkout (with released/ inside)")
	cmd.AddCommand(check)
	return cmd
}
