// Package app is tollgate's composition root: the configuration file's shape (each
// component's section composed into one struct), the logger, the admin HTTP endpoints every
// service serves (/healthz, /readyz, /metrics), the run group that starts actors and drains
// them on SIGINT/SIGTERM within the shutdown budget, and the wiring of each subcommand.
package app
