package service

import (
	"errors"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
)

// ErrNotCoPartitioned reports lane topics whose partition counts differ, so
// one principal's events could reach different replicas.
var ErrNotCoPartitioned = errors.New("auditor: lane topics are not co-partitioned")

// CoPartitionProtocol is the group protocol name of CoPartitionBalancer.
// Every member of an auditor group must offer it; a member that offers only
// other protocols cannot join the group.
const CoPartitionProtocol = "tollgate-copartition"

// CoPartitionBalancer is a kafka-go GroupBalancer that keeps partition i of
// every lane topic on one member. Lane records are keyed by the subject
// principal with the same hash on every topic, so with equal partition
// counts all of one principal's events (grants, tickets requested for them,
// resets, reviews) reach the same auditor replica and its detections never
// race another replica over that principal's rows.
//
// Members are sorted by id and partition indexes are split into contiguous
// ranges over them, the same ranges on every topic. A member that does not
// subscribe to a topic gets none of its partitions; their index is given to
// the next subscribing member in id order. Topics with different partition
// counts are still assigned by index (an index beyond a topic's count just
// does not exist there), but co-partitioning by key then no longer holds:
// Service refuses to start in that case (see CheckCoPartitioned).
type CoPartitionBalancer struct{}

// ProtocolName returns CoPartitionProtocol.
func (CoPartitionBalancer) ProtocolName() string { return CoPartitionProtocol }

// UserData returns nothing: the assignment needs no member metadata.
func (CoPartitionBalancer) UserData() ([]byte, error) { return nil, nil }

// AssignGroups assigns every partition of partitions to one member so that
// equal indexes of different topics share a member.
func (CoPartitionBalancer) AssignGroups(members []kafka.GroupMember, partitions []kafka.Partition) kafka.GroupMemberAssignments {
	out := kafka.GroupMemberAssignments{}
	if len(members) == 0 {
		return out
	}
	sorted := slices.Clone(members)
	slices.SortFunc(sorted, func(a, b kafka.GroupMember) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	for _, m := range sorted {
		out[m.ID] = map[string][]int{}
	}
	width := 0
	for _, p := range partitions {
		width = max(width, p.ID+1)
	}
	subscribed := func(m kafka.GroupMember, topic string) bool { return slices.Contains(m.Topics, topic) }
	for _, p := range partitions {
		// Contiguous ranges, as the range assignor does, but over indexes
		// shared by all topics rather than per topic.
		owner := p.ID * len(sorted) / width
		for k := range sorted {
			m := sorted[(owner+k)%len(sorted)]
			if subscribed(m, p.Topic) {
				out[m.ID][p.Topic] = append(out[m.ID][p.Topic], p.ID)
				break
			}
		}
	}
	for _, byTopic := range out {
		for t := range byTopic {
			slices.Sort(byTopic[t])
		}
	}
	return out
}

// CheckCoPartitioned returns an error wrapping ErrNotCoPartitioned unless
// every topic of counts has the same partition count.
func CheckCoPartitioned(counts map[string]int) error {
	names := make([]string, 0, len(counts))
	for t := range counts {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names[min(1, len(names)):] {
		if counts[t] != counts[names[0]] {
			return fmt.Errorf("%w: %s has %d partitions but %s has %d; give every lane topic the same count",
				ErrNotCoPartitioned, t, counts[t], names[0], counts[names[0]])
		}
	}
	return nil
}
