// Package agent is Ardoise's privileged side: it owns the session state
// machine and wires the policy, watcher, journal, wiper and local interface
// together. It makes no operating-system calls of its own; those live in the
// packages below it.
package agent
