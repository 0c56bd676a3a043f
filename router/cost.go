package router

import (
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
)

// Sizes assumed for event data when estimating a rule's worst-case cost. They
// bound the estimate only; the run-time CostLimit is what stops an event that
// is larger than assumed.
const (
	estimatedEventStringSize     = 256
	estimatedEventCollectionSize = 16
)

// costEstimator tells CEL's static cost estimator how large the policy's lists
// are (exactly) and how large event fields are assumed to be, so a rule that
// iterates a large list inside another iteration is refused at load.
type costEstimator struct {
	sizes map[string]uint64 // list name, or name+"/@items" for pairs, to max size
}

func newCostEstimator(lists map[string]listValue) *costEstimator {
	e := &costEstimator{sizes: make(map[string]uint64, len(lists))}
	for name, l := range lists {
		if l.pairs != nil {
			e.sizes[listsPrefix+name] = uint64(len(l.pairs))
			var longest uint64
			for _, p := range l.pairs {
				longest = max(longest, uint64(len(p)))
			}
			e.sizes[listsPrefix+name+"/@items"] = longest
			continue
		}
		e.sizes[listsPrefix+name] = uint64(len(l.strings))
	}
	return e
}

// EstimateSize implements cost.Estimator.
func (e *costEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) == 0 {
		return nil
	}
	key := path[0]
	if len(path) == 2 && path[1] == "@items" {
		key += "/@items"
	}
	if s, ok := e.sizes[key]; ok {
		return &cost.SizeEstimate{Min: 0, Max: s}
	}
	if path[0] != "event" || n.Type() == nil {
		return nil
	}
	switch n.Type().Kind() {
	case types.StringKind, types.BytesKind:
		return &cost.SizeEstimate{Min: 0, Max: estimatedEventStringSize}
	case types.ListKind, types.MapKind:
		return &cost.SizeEstimate{Min: 0, Max: estimatedEventCollectionSize}
	}
	return nil
}

// EstimateCallCost implements cost.Estimator: in_list and matches_any cost
// one comparison or regular-expression match per list element.
func (e *costEstimator) EstimateCallCost(function, _ string, _ *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	if (function != "in_list" && function != "matches_any") || len(args) != 2 {
		return nil
	}
	size := e.EstimateSize(args[1])
	if size == nil {
		size = args[1].ComputedSize()
	}
	if size == nil {
		size = &cost.SizeEstimate{Max: estimatedEventCollectionSize}
	}
	perElement := uint64(1)
	if function == "matches_any" {
		perElement = 10
	}
	return &cost.CallEstimate{CostEstimate: cost.CostEstimate{Min: 1, Max: 1 + size.Max*perElement}}
}
