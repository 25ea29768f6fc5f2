package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time by packaging (-ldflags "-X main.version=1.2.3");
// otherwise it comes from the module's build information.
var version = ""

func agentVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

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
