package procs

// Holder is a process that holds something beneath a folder: what keeps a
// session key "incompletely removed" (the kernel keeps the key of a file
// in use, and of a folder that is a program's current folder, until that
// program lets go). It is for the agent's report, and, with the policy's
// end_programs, for choosing which programs to end.
type Holder struct {
	// Proc is the process as listed: its PID, user ids and start time
	// name it for EndUser or a handle, whatever number is given later.
	Proc
	// Comm is the command name the kernel keeps (at most 15 bytes).
	Comm string
	// Holds says what the process holds beneath the folder, at most once
	// each, in this order: "cwd" (its current folder), "root" (its root
	// folder, chroot), "exe" (the program it runs), "fd" (open files or
	// folders), "mmap" (files mapped in memory). No file name is given:
	// the names of a session's encrypted folder must not reach a report
	// or a journal.
	Holds []string
	// FDs counts the open descriptors beneath the folder.
	FDs int
}
