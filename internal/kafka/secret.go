package kafka

import "github.com/tollgate-io/tollgate/internal/config"

// Secret is a string that never prints; see config.Secret.
type Secret = config.Secret
