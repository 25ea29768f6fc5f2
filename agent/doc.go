// Package agent is Ardoise's privileged side: it owns the session (one
// actor, actor.go, drives every transition through agent/session) and
// wires the policy, watcher, journal, wiper, session-end steps and local
// interface together. It runs no program of its own (a test checks it);
// the work on the system lives in the packages below it (safefs, wipe,
// endsteps, cryptoerase, procs…). What is still here and reads the system
// directly: the checks of the promise made for encrypted folders (swap,
// hibernation: promisecheck_linux.go), the machine check's UID_MIN
// (/etc/login.defs) and the default state folders per OS.
package agent
