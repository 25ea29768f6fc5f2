package screens

import (
	"slices"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// Promise is what the window may say of the documents a session left.
// The words never promise more than what was done: "effacé" for a plain
// deletion (on an SSD deleted blocks may stay readable by someone who
// takes the disk out), the stronger "personne ne pourra plus jamais les
// lire" only when the kernel destroyed the session's key and every
// folder the session wrote in was encrypted with it.
type Promise int

const (
	// Erased: the documents were deleted, nothing more is said.
	Erased Promise = iota
	// Unreadable: the session's key is destroyed and every watched folder
	// was encrypted with it.
	Unreadable
	// KeyKept: some documents were encrypted but the key could not be
	// destroyed (a program still held a file open): the public reads
	// "effacé" only; the aidant's checklist says the key is not destroyed
	// and to ask the staff.
	KeyKept
)

// Protection is what the agent says of a session's folders and of this
// computer, from which the window chooses its words: each folder's
// protection (Status.Roots) and what on the computer breaks the promise
// made for encrypted folders (Status.PromiseBroken: an unencrypted swap,
// hibernation).
type Protection struct {
	Roots  []ipc.RootStatus
	Broken []string
}

// ProtectionOf is the Protection the agent's status says.
func ProtectionOf(st ipc.Status) Protection {
	return Protection{Roots: st.Roots, Broken: st.PromiseBroken}
}

func (p Promise) String() string {
	switch p {
	case Erased:
		return "Erased"
	case Unreadable:
		return "Unreadable"
	case KeyKept:
		return "KeyKept"
	}
	return "Promise(?)"
}

// watched reports whether the session's documents in root were erased
// at its end: the folder was watched (refused and absent folders hold
// nothing of the session's).
func watched(root ipc.RootStatus) bool {
	return root.Protection != "" || root.State == "watching" || root.State == "rescan"
}

// EndPromise is what the end of a session may say, from its report and
// what the agent said of the session's folders and of the computer.
//
// Every watched folder must have been encrypted, not just those the
// report names: the window does not know which folders held documents,
// and a document in a folder that was only deleted must not be called
// unreadable. Without the folders (none given), or while something on
// the computer lets memory reach the disk in clear (p.Broken), nothing
// stronger than Erased is said.
func EndPromise(r ipc.WipeReport, p Protection) Promise {
	if r.Key == nil {
		return Erased
	}
	if !r.Key.Destroyed {
		return KeyKept
	}
	if len(p.Broken) > 0 {
		return Erased
	}
	n := 0
	for _, root := range p.Roots {
		if !watched(root) {
			continue
		}
		if root.Protection != ipc.ProtectionEncrypted || !slices.Contains(r.Key.Folders, root.Label) {
			return Erased
		}
		n++
	}
	if n == 0 {
		return Erased
	}
	return Unreadable
}

// noticeUnreadable is the notice's sentence on the folders encrypted for
// this session, "" when none is: every watched folder ("Vos documents
// sont protégés…"), or those named ("Dans Téléchargements, …"). A folder
// only deleted gets no such sentence: notice.erased says what happens to
// it. Nor does any folder while the computer breaks the promise
// (p.Broken).
func noticeUnreadable(c *i18n.Catalog, p Protection) string {
	if len(p.Broken) > 0 {
		return ""
	}
	var enc []string
	all := true
	for _, root := range p.Roots {
		if !watched(root) {
			continue
		}
		if root.Protection == ipc.ProtectionEncrypted {
			enc = append(enc, root.Label)
		} else {
			all = false
		}
	}
	switch {
	case len(enc) == 0:
		return ""
	case all:
		return c.T("notice.unreadable_all")
	}
	return c.T("notice.unreadable_some", "folders", strings.Join(enc, ", "))
}
