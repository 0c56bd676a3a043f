package bench

import (
	"context"
	"fmt"

	"github.com/tollgate-io/tollgate/router"
)

// stageEnv is the Env the router and auditor stages share: StageEvents gen
// events pushed to tollgate.events, then routed to the lanes (measured
// against the passthrough when measure is set).
func (r *runner) stageEnv(ctx context.Context, measure bool) (*Env, error) {
	if r.lanes != nil {
		return r.lanes, nil
	}
	n := r.opts.StageEvents
	evs, err := r.opts.canonicalEvents(n)
	if err != nil {
		return nil, err
	}
	env, err := r.stack.NewEnv(ctx, "stages", "passthrough")
	if err != nil {
		return nil, err
	}
	if err := env.push(ctx, evs); err != nil {
		env.Close()
		return nil, err
	}
	evs = nil
	r.lanes = env
	records := func(t *task, topics ...string) func() (int64, error) {
		return func() (int64, error) {
			if err := t.alive(); err != nil {
				return 0, err
			}
			return env.Records(ctx, topics...)
		}
	}
	var base Figures
	if measure {
		pass := &Passthrough{Kafka: env.Kafka, Group: "bench-passthrough", From: env.Topics.Events, To: env.Extra("passthrough"), Producer: env.Producer}
		t := background(ctx, "the passthrough", pass.Run)
		base, err = measureFlow(ctx, "the passthrough", int64(n), records(t, env.Extra("passthrough")))
		if serr := t.stop(); err == nil {
			err = serr
		}
		if err != nil {
			return nil, err
		}
	}
	pol, err := router.DefaultPolicy()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	metrics := router.NewMetrics(nil)
	svc := router.NewService(router.ServiceConfig{Kafka: env.Kafka, Group: "bench-router", Topics: env.Topics},
		env.Codec, router.NewPolicyHolder(pol, r.log, metrics), env.Producer, metrics, r.log)
	t := background(ctx, "the router", svc.Run)
	meas, err := measureFlow(ctx, "the router", int64(n), records(t, env.Topics.LaneTopics()...))
	if serr := t.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	if measure {
		r.add(Row{Stage: StageRouter, Case: "events → lanes (decode, CEL, encode)", Measured: meas, Baseline: &base,
			BaselineCase: "passthrough of the same bytes"})
	}
	return env, nil
}
