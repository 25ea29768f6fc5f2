// Package fstree builds declarative file trees on real directories for
// tests, records what must not change about them, and checks afterwards that
// nothing did (restic's TestDir idea). It also provides the sentinel tree of
// threats.md §4.0 and helpers to run a test body again in a child process
// (in a mount namespace, or with lowered limits).
//
// It is imported only by _test.go files; a test in cmd/ardoise checks that
// no binary links it. Being test support, it may use path-based calls: it
// never runs in the agent.
package fstree
