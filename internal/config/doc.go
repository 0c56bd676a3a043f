// Package config is the machinery behind tollgate's one configuration file: strict YAML
// decoding whose errors name the key (kafka.sasl.mechanism, not "line 7"), ${VAR}
// expansion, TOLLGATE_* environment overrides, --set key=value flag overrides, secrets read
// from *_file keys, and a dump of the effective configuration with secrets masked.
//
// The configuration's shape is not defined here: each component owns the struct of its
// section (kafka.Config, ingest.Config, …) and internal/app composes them.
package config
