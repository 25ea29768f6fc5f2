package agent

import "slices"

// PromiseCheck is one condition of the promise made for encrypted folders
// (RootStatus.Protection "encrypted"): once the session's key is
// destroyed, nobody can read its documents again. The key and the
// decrypted documents pass through memory; if memory reaches the disk in
// clear, through an unencrypted swap or a hibernation image, the promise
// does not hold there, whatever the folder's encryption. Each check says
// so in words an administrator acts on; "ardoise status" and "ardoise
// policy check --on-this-machine" print them, one line each.
//
// Other conditions (the folder's file system can encrypt a folder, with
// what to do when it cannot) are PromiseChecks too: add them to the list
// a command prints rather than a second format.
type PromiseCheck struct {
	// Code names the condition: "swap", "hibernation", or "system"
	// (this operating system has no per-session encryption at all).
	Code string
	// OK: the condition holds.
	OK bool
	// Found is what was seen, in a few words ("no swap", "/dev/zram0: in
	// memory", "/swapfile: a plain file on /dev/vda1").
	Found string
	// Problem says why the promise does not hold ("" when OK).
	Problem string
	// Fix is what the administrator can do ("" when OK).
	Fix string
}

// PromiseChecks checks, on this computer, what the promise for encrypted
// folders needs besides the folders themselves: on Linux, that swap is
// encrypted, in memory (zram) or absent, and that hibernation is off; on
// Windows and macOS, one check that says there is no per-session
// encryption there. It changes nothing and needs no privilege.
func PromiseChecks() []PromiseCheck { return promiseChecks() }

// promiseBroken is the codes of the checks that fail, for
// ipc.Status.PromiseBroken (read again at each status: swap can be
// turned on at any time).
func promiseBroken() []string {
	var out []string
	for _, c := range PromiseChecks() {
		if !c.OK && !slices.Contains(out, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}
