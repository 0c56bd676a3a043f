package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/kafka"
)

func newTopicsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "topics", Short: "Manage tollgate's Kafka topics"}
	cmd.AddCommand(&cobra.Command{
		Use:   "create",
		Short: "Create every topic of the topic plan (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			plan := cfg.Kafka.TopicPlan()
			if err := kafka.CreateTopics(ctx, cfg.Kafka, plan...); err != nil {
				return err
			}
			for _, t := range plan {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\tpartitions=%d\treplication=%d\n", t.Name, t.Partitions, t.ReplicationFactor)
			}
			return nil
		},
	})
	return cmd
}
