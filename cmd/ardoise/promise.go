package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// printPromiseChecks prints, for an administrator, whether this computer
// keeps the promise made for encrypted folders (nobody can ever read the
// session's documents again once its key is destroyed): one line per
// check, and for each that fails, why and what to do. It returns how
// many fail. They refuse no session: the folders are still encrypted and
// deleted; the promise just does not hold where memory reaches the disk.
func printPromiseChecks(w io.Writer, indent string, checks []agent.PromiseCheck) int {
	failed := 0
	fmt.Fprintf(w, "%sFor encrypted folders to be unreadable for ever once a session ends:\n", indent)
	for _, c := range checks {
		if c.OK {
			fmt.Fprintf(w, "%s  %s: ok — %s\n", indent, c.Code, c.Found)
			continue
		}
		failed++
		fmt.Fprintf(w, "%s  %s: NOT OK — %s\n", indent, c.Code, c.Found)
		fmt.Fprintf(w, "%s    why: %s\n", indent, c.Problem)
		fmt.Fprintf(w, "%s    what to do: %s\n", indent, c.Fix)
	}
	return failed
}

// keyLine says, for the staff, what the end of a session did to its
// encryption key; "" when no folder of the session was encrypted. Only a
// key the kernel reports absent lets it say "can never be read again".
func keyLine(k *ipc.KeyReport) string {
	if k == nil {
		return ""
	}
	folders := strings.Join(k.Folders, ", ")
	if k.Destroyed {
		return fmt.Sprintf("encryption key of the session destroyed: what it wrote in %s can never be read again on this disk", folders)
	}
	s := "encryption key of the session NOT destroyed"
	if k.Code != "" {
		s += " (" + k.Code
		if k.Holders > 0 {
			s += fmt.Sprintf(", %d programs still hold files open", k.Holders)
		}
		s += ")"
	}
	if k.Reason != "" {
		s += ": " + k.Reason
	}
	return s + fmt.Sprintf("; the documents of %s were deleted, not made unreadable: end the programs of the kiosk account (policy accounts.end_programs) and see docs/admin.md, \"Documents made unreadable\"", folders)
}
