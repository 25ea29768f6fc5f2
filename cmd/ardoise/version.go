package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/ardoise-fr/ardoise/cmd/internal/version"
)

// agentVersion is the one version of Ardoise (cmd/internal/version): the
// packages' in a build by installer/build, VERSION+dev otherwise.
func agentVersion() string { return version.String() }

func init() {
	register(&command{
		name:    "version",
		summary: "print the version of Ardoise",
		help:    "Prints the version of Ardoise, the Go version it was built with and the platform.",
		run: func(ctx context.Context, e *env, _ any, args []string) error {
			if len(args) > 0 {
				return usagef("version takes no arguments")
			}
			fmt.Fprintf(e.stdout, "ardoise %s (%s, %s/%s)\n", agentVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
