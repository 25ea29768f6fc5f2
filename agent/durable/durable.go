// Package durable makes a rename or a new file in the agent's state folder
// survive a power cut: after the file itself is synced, its folder must be
// too, or the name can be lost (threats.md S1). The journal and the
// baseline both need it.
package durable

// SyncDir makes the entries of the folder dir durable.
func SyncDir(dir string) error { return syncDir(dir) }
