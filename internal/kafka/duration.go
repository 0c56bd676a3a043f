package kafka

import "github.com/tollgate-io/tollgate/internal/config"

// Duration is a duration written in YAML as a Go duration string; see config.Duration.
type Duration = config.Duration
