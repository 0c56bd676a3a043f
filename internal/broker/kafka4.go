package broker

import (
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka4MinVersions maps each API key whose oldest versions Kafka 4.0
// removed (KIP-896) to the lowest version a 4.x broker still accepts.
// APIs not listed kept their version 0 (Metadata, FindCoordinator,
// JoinGroup, Heartbeat, SyncGroup, LeaveGroup, SaslHandshake, ApiVersions,
// …). Sources: the "Version(s) … were removed in Apache Kafka 4.0, Version
// N is the new baseline" notes in Kafka 4.0's request schemas
// (clients/src/main/resources/common/message/*Request.json). Produce is
// still advertised from v0 by a 4.x broker (KAFKA-18659, for librdkafka)
// yet v0–v2 are refused. The delegation-token APIs (also raised to v1) are
// left out because kfake does not implement them.
var Kafka4MinVersions = map[kmsg.Key]int16{
	kmsg.Produce:              3,
	kmsg.Fetch:                4,
	kmsg.ListOffsets:          1,
	kmsg.OffsetCommit:         2,
	kmsg.OffsetFetch:          1,
	kmsg.CreateTopics:         2,
	kmsg.DeleteTopics:         1,
	kmsg.OffsetForLeaderEpoch: 2,
	kmsg.WriteTxnMarkers:      1,
	kmsg.DescribeACLs:         1,
	kmsg.CreateACLs:           1,
	kmsg.DeleteACLs:           1,
	kmsg.DescribeConfigs:      1,
	kmsg.AlterReplicaLogDirs:  1,
	kmsg.DescribeLogDirs:      1,
}

// UnsupportedVersionError describes a request refused by the Kafka 4
// minimum-version hook.
type UnsupportedVersionError struct {
	Key     kmsg.Key
	Version int16
	Min     int16
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("%s v%d is below Kafka 4.0's minimum v%d (KIP-896)", e.Key.Name(), e.Version, e.Min)
}

// InstallKafka4Minimums makes c refuse every request below
// Kafka4MinVersions. A refused request closes the client's connection,
// which is what a Kafka 4.x broker does with a version it cannot parse.
// Requests at or above the minimum pass to the broker untouched. logger
// may be nil.
func InstallKafka4Minimums(c *kfake.Cluster, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for key, minVersion := range Kafka4MinVersions {
		c.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
			// Keep the hook for every later request, whether it
			// refuses this one or lets it through.
			c.KeepControl()
			if v := req.GetVersion(); v < minVersion {
				err := &UnsupportedVersionError{Key: key, Version: v, Min: minVersion}
				logger.Warn("refusing request below Kafka 4 minimum version", "api", key.Name(), "version", v, "min_version", minVersion)
				return nil, err, true
			}
			return nil, nil, false
		})
	}
}
