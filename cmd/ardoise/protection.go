package main

import (
	"fmt"
	"io"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// protectionWords says, for the admin, how a root's documents are made
// unreadable at the session's end (RootStatus.Protection), and if the
// policy asked for encryption and it does not hold, why.
func protectionWords(protection, code string) string {
	if protection == ipc.ProtectionEncrypted {
		return "encrypted with a key for this session only, destroyed at its end"
	}
	why := ""
	switch code {
	case ipc.NotEncryptedPolicy:
		why = "the policy says protection: delete"
	case ipc.NotEncryptedSystem:
		why = "not possible with this system or agent (only the Linux system service encrypts); use full-disk encryption"
	case ipc.NotEncryptedFileSystem:
		why = "its file system cannot encrypt folders (ext4: tune2fs -O encrypt on its device)"
	case ipc.NotEncryptedNotEmpty:
		why = "it held files at session start: only an empty folder can be encrypted; keep library files in another folder"
	case ipc.NotEncryptedOutside:
		why = "it is not beneath the kiosk account's home: only a folder there can be encrypted (move the scanner's folder into the home to have it encrypted)"
	case ipc.NotEncryptedError:
		why = "setting up the encryption failed; see the agent's log"
	}
	if why == "" {
		return "only deleted at the end (on an SSD, deleted blocks may stay readable)"
	}
	return "only deleted at the end, not encrypted: " + why
}

// printRootProtection is the machine check's line on a root's protection:
// whether a session would encrypt it here, and if not why and what an
// admin can do (the file system's own words, from agent/cryptoerase).
func printRootProtection(w io.Writer, r agent.RootCheck) {
	if r.Protection == "" {
		return
	}
	fmt.Fprintf(w, "      %s\n", protectionWords(r.Protection, r.ProtectionCode))
	if r.Protection != ipc.ProtectionEncrypted && r.ProtectionWhy != "" && r.ProtectionCode != ipc.NotEncryptedPolicy {
		fmt.Fprintf(w, "      why: %s\n", r.ProtectionWhy)
	}
}
