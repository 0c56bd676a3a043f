// Command tollgate is the one binary of the tollgate pipeline: each service, the embedded
// stack, and the tools for operators, policy authors and SOC analysts are subcommands.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
			fmt.Fprintln(os.Stderr, "tollgate: "+line)
		}
		os.Exit(exitCode(err))
	}
}
