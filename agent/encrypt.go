package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
)

// Per-session encryption (issue 14, agent/cryptoerase): a root the policy
// wants encrypted is replaced at session start by a fresh, empty folder
// encrypted with a key made for the session; at its end the key is removed
// from the kernel, and only then is the ciphertext tree deleted. The key's
// identifier and the folder's identity are journaled before the encryption
// is set, and the journal never holds a name from inside such a folder: a
// crash is finished by removing the key and emptying the folder, which
// was made empty.

// sessionKey is the session's encryption key, as the kernel knows it.
type sessionKey struct {
	id cryptoerase.ID
	// home is the home folder through which the key was added: every
	// encrypted folder is beneath it, on its file system.
	home      string
	destroyed bool
}

// tmpdirRel is the session's TMPDIR beneath the home, encrypted like the
// roots so that a program renaming a file from it into a root does not
// fail (EXDEV) and leaves nothing readable there.
const tmpdirRel = ".cache/ardoise-tmp"

// freshPrefix names the folders made to replace a root (hidden, random).
const freshPrefix = ".ardoise-new-"

// keyRemoveTries and keyRemoveWait bound the wait for programs still
// ending while files they held keep the key incompletely removed.
const (
	keyRemoveTries = 10
	keyRemoveWait  = 200 * time.Millisecond
)

// noKeyName stands for the name of a document of an encrypted folder once
// its key is destroyed: the kernel then shows only ciphertext.
const noKeyName = "document chiffré"

// protectionWhy returns whether root r may be encrypted here, and if not
// the code and the reason for the log. It changes nothing.
func (a *Agent) protectionWhy(s *activeSession, home *safefs.Dir, r *sessionRoot) (code string, why error) {
	switch {
	case r.policy.Protection == "delete":
		return ipc.NotEncryptedPolicy, errors.New("the policy says protection: delete")
	case runtime.GOOS != "linux":
		_, err := cryptoerase.NewKey()
		return ipc.NotEncryptedSystem, err
	case os.Geteuid() != 0:
		return ipc.NotEncryptedSystem, errors.New("only the system service (root) can add and destroy a session key; this agent runs as an ordinary user")
	case r.rel == "":
		return ipc.NotEncryptedOutside, errors.New("only a folder strictly beneath the session user's home can be encrypted by Ardoise (a folder of its own, such as a scanner's, is only deleted); give it a place in the kiosk account's home to have it encrypted")
	}
	if s.probe == nil {
		f, err := home.File()
		if err == nil {
			err = cryptoerase.Probe(f)
			f.Close()
		}
		if err == nil {
			err = errProbeOK
		}
		s.probe = err
	}
	if s.probe != errProbeOK {
		if errors.Is(s.probe, cryptoerase.ErrUnsupported) {
			return ipc.NotEncryptedFileSystem, s.probe
		}
		return ipc.NotEncryptedError, s.probe
	}
	return "", nil
}

var errProbeOK = errors.New("probe ok")

// prepareRoot decides how root r is protected and, for a root that can be
// encrypted, replaces its empty folder by a fresh encrypted one, all before
// the root is opened (so every check of openRoots applies to the new
// folder) and before the baseline is taken. home is open.
func (a *Agent) prepareRoot(s *activeSession, home *safefs.Dir, r *sessionRoot) {
	r.protection, r.protectionCode = ipc.ProtectionDeleted, ""
	code, why := a.protectionWhy(s, home, r)
	if why == nil {
		code, why = a.encryptRoot(s, home, r)
	}
	if why != nil {
		r.protectionCode, r.protectionWhy = code, why.Error()
		switch code {
		case ipc.NotEncryptedPolicy:
		case ipc.NotEncryptedSystem, ipc.NotEncryptedFileSystem:
			// How the machine is set up, said by "policy check
			// --on-this-machine" and the status: not a warning at every
			// session start.
			a.log.Info("folder not encrypted: the session's documents in it are only deleted at the end (on an SSD deleted blocks may stay readable)", "root", r.policy.Label, "code", code, "why", why.Error())
		default:
			a.log.Warn("folder not encrypted: the session's documents in it are only deleted at the end (on an SSD deleted blocks may stay readable)", "root", r.policy.Label, "code", code, logging.Personal("why", why.Error()))
		}
		return
	}
	r.protection = ipc.ProtectionEncrypted
}

// encryptRoot puts a fresh folder encrypted with the session key at r's
// name, in place of the empty folder there (or of nothing). In a machine
// check it only says whether it could.
func (a *Agent) encryptRoot(s *activeSession, home *safefs.Dir, r *sessionRoot) (code string, why error) {
	trust := trustFor(s.user)
	dir, name := path.Dir(r.rel), path.Base(r.rel)
	parent := home
	if dir != "." {
		p, err := home.OpenBeneath(dir, trust)
		if err != nil {
			return ipc.NotEncryptedError, fmt.Errorf("the folder holding it cannot be opened safely: %w", err)
		}
		defer p.Close()
		parent = p
	}
	if f, err := parent.File(); err == nil {
		_, perr := cryptoerase.PolicyID(f)
		f.Close()
		if !errors.Is(perr, cryptoerase.ErrNotEncrypted) {
			return ipc.NotEncryptedError, fmt.Errorf("the folder holding it is itself encrypted, or its encryption cannot be read: %v", perr)
		}
	}
	old, err := parent.Stat(name)
	exists := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return ipc.NotEncryptedError, err
	case !old.IsDir():
		return ipc.NotEncryptedError, errors.New("what stands at its name is not a folder")
	default:
		d, err := parent.OpenDir(name)
		if err != nil {
			return ipc.NotEncryptedError, err
		}
		in := d.Info()
		ents, rerr := d.ReadEntries(1)
		d.Close()
		switch {
		case in.Identity != old.Identity || in.MntID != home.Info().MntID || in.MountRoot:
			return ipc.NotEncryptedError, errors.New("the folder is another mount, or changed while it was looked at")
		case len(ents) > 0:
			return ipc.NotEncryptedNotEmpty, errors.New("the folder is not empty: only a new, empty folder can be encrypted; keep the library's files in another folder than the roots")
		case rerr != nil && !errors.Is(rerr, io.EOF):
			return ipc.NotEncryptedError, rerr
		}
	}
	if s.checkOnly {
		return "", nil
	}
	r.encOwner, r.encGroup, r.encPerm = s.user.UID, s.user.GID, 0o700
	if exists {
		r.encOwner, r.encGroup, r.encPerm = old.UID, old.GID, old.Mode.Perm()
	}
	return a.swapInEncrypted(s, home, parent, dir, name, exists, old, r)
}

// swapInEncrypted makes the fresh folder, journals it, encrypts it and
// swaps it with the old one (or renames it into place).
func (a *Agent) swapInEncrypted(s *activeSession, home, parent *safefs.Dir, dir, name string, exists bool, old safefs.Info, r *sessionRoot) (string, error) {
	if s.key == nil {
		if err := a.newSessionKey(s, home); err != nil {
			if errors.Is(err, cryptoerase.ErrUnsupported) {
				return ipc.NotEncryptedFileSystem, err
			}
			return ipc.NotEncryptedError, err
		}
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := freshPrefix + hex.EncodeToString(rnd[:])
	fresh, err := parent.MkdirFresh(tmp)
	if err != nil {
		return ipc.NotEncryptedError, fmt.Errorf("making the new folder: %w", err)
	}
	defer fresh.Close()
	id := fresh.Info().Identity
	removeFresh := func() {
		if err := removeDirAs(parent, tmp, id); err != nil {
			a.log.Error("the new folder made for encryption could not be removed; it is empty and Ardoise's, remove it by hand", "root", r.policy.Label, "folder", tmp, "err", err)
		}
	}
	kf := journal.KeyFolder{Key: s.key.id.String(), Parent: []byte(filepath.Join(s.user.Home, dir)), Tmp: tmp, Name: name,
		Dev: id.Dev, Ino: id.Ino, Btime: id.Btime, Owners: r.owners, Label: r.policy.Label}
	// The folder keeps its inode when swapped into place: its handle now
	// finds it after a crash wherever the person moved it.
	if h, err := fresh.FolderHandle(); err == nil {
		kf.FolderHandle = journalHandle(h)
	} else {
		a.log.Warn("the new encrypted folder cannot be named to the kernel; moved during the session and followed by a crash, it would not be found", "root", r.policy.Label, "err", err)
	}
	if err := a.journal.KeyAdded(kf); err != nil {
		// Without the record a crash would leave a key nobody removes.
		removeFresh()
		return ipc.NotEncryptedError, fmt.Errorf("journaling the key: %w", err)
	}
	pauseBeforePolicy()
	f, err := fresh.File()
	if err == nil {
		err = cryptoerase.SetPolicy(f, s.key.id)
		f.Close()
	}
	if err != nil {
		removeFresh()
		return ipc.NotEncryptedError, err
	}
	if exists {
		if err := parent.Exchange(tmp, name); err != nil {
			removeFresh()
			return ipc.NotEncryptedError, fmt.Errorf("swapping the new folder in: %w", err)
		}
		// The old folder, now at the hidden name, goes only if it is still
		// the empty one looked at: a file the public raced into it keeps
		// it, and everything goes back as it was.
		if err := removeDirAs(parent, tmp, old.Identity); err != nil {
			if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
				if xerr := parent.Exchange(tmp, name); xerr != nil {
					a.log.Error("the folder could not be put back after a file appeared in it; it stays at a hidden name, untouched", "root", r.policy.Label, "folder", tmp, "err", xerr)
					return ipc.NotEncryptedError, xerr
				}
				removeFresh()
				return ipc.NotEncryptedNotEmpty, errors.New("a file appeared in the folder while it was replaced; it was left as it was")
			}
			a.log.Error("the old empty folder could not be removed after the encrypted one took its place; it stays at a hidden name, untouched", "root", r.policy.Label, "folder", tmp, "err", err)
		}
	} else if err := parent.Rename(tmp, parent, name); err != nil {
		removeFresh()
		return ipc.NotEncryptedError, fmt.Errorf("putting the new folder in place: %w", err)
	}
	// Given to the account only now: until here it was root's, closed.
	if err := fresh.SetOwner(r.encOwner, r.encGroup, r.encPerm); err != nil {
		return ipc.NotEncryptedError, err
	}
	r.encID = &id
	return "", nil
}

// removeDirAs removes the empty folder name of dir if it is the object want.
func removeDirAs(dir *safefs.Dir, name string, want safefs.Identity) error {
	var q *safefs.Quarantine
	if !dir.ClosedToPublic() {
		var err error
		if q, _, err = dir.OpenQuarantine(); err != nil {
			return err
		}
		defer q.Close()
	}
	return dir.RemoveDirExpect(q, name, want)
}

// newSessionKey makes the session's key and adds it to the file system of
// the home; the key's bytes are destroyed at once: every encrypted folder
// is on that one file system, so no other Add is needed.
func (a *Agent) newSessionKey(s *activeSession, home *safefs.Dir) error {
	k, err := cryptoerase.NewKey()
	if err != nil {
		return err
	}
	defer k.Destroy()
	f, err := home.File()
	if err != nil {
		return err
	}
	defer f.Close()
	id, err := cryptoerase.Add(f, k)
	if err != nil {
		return err
	}
	k.Destroy()
	s.key = &sessionKey{id: id, home: s.user.Home}
	a.log.Info("session key added", "key", id.String(), "in_secret_memory", k.Secret())
	return nil
}

// checkEncrypted, once root r is opened, checks that it is the folder
// encrypted a moment ago; if another took its name meanwhile, the root is
// only deleted.
func (a *Agent) checkEncrypted(r *sessionRoot) {
	if r.encID == nil || r.dir == nil {
		return
	}
	if in := r.dir.Info(); in.Dev != r.encID.Dev || in.Ino != r.encID.Ino {
		a.log.Error("the encrypted folder was replaced at once by another; the folder at its name is only deleted at the end", "root", r.policy.Label)
		r.encID = nil
		r.protection, r.protectionCode = ipc.ProtectionDeleted, ipc.NotEncryptedError
		return
	}
	if h, err := r.dir.FolderHandle(); err == nil {
		r.encHandle = &h
	} else {
		a.log.Warn("the encrypted folder cannot be named to the kernel; if the person moves it during the session, it is not found at the end", "root", r.policy.Label, "err", err)
	}
}

// openTmpdir makes the session's TMPDIR, encrypted with the session key,
// when a root is: wiped at the end like a root of scope all.
func (a *Agent) openTmpdir(s *activeSession, home *safefs.Dir) {
	if s.key == nil || s.checkOnly {
		return
	}
	trust := trustFor(s.user)
	cache, err := home.MkdirBeneath(path.Dir(tmpdirRel), s.user.UID, s.user.GID, trust)
	if err != nil {
		a.log.Warn("no encrypted temporary folder for the session", "err", err)
		return
	}
	cache.Close()
	r := &sessionRoot{policy: policies.Root{Label: "Fichiers temporaires", Kind: "files", Scope: "all", Protection: "encrypt"},
		owners: []uint32{s.user.UID}, ownerSIDs: sidsOf(s.user), path: filepath.Join(s.user.Home, tmpdirRel), rel: tmpdirRel, state: "watching"}
	if _, why := a.encryptRoot(s, home, r); why != nil {
		a.log.Warn("no encrypted temporary folder for the session", logging.Personal("why", why.Error()))
		return
	}
	r.protection = ipc.ProtectionEncrypted
	r.dir, err = home.OpenBeneath(tmpdirRel, trust)
	if err != nil {
		a.log.Warn("the session's temporary folder cannot be opened", "err", err)
		return
	}
	a.checkEncrypted(r)
	if r.encID == nil {
		r.dir.Close()
		r.dir = nil
		return
	}
	s.roots = append(s.roots, r)
	s.tmpdir = r.path
}

// destroyKey removes the session key, once the programs are ended and the
// watcher stopped: every handle the agent holds in an encrypted folder is
// closed first (an open one keeps the key), then the encrypted roots are
// opened again by name, each checked to be the folder encrypted at the
// start, for the wipe of the ciphertext.
func (a *Agent) destroyKey(ctx context.Context, s *activeSession) *ipc.KeyReport {
	if s.key == nil {
		return nil
	}
	rep := &ipc.KeyReport{Folders: []string{}}
	for _, r := range s.roots {
		if r.encID != nil {
			r.dir.Close()
			r.dir = nil
		}
	}
	trust := trustFor(s.user)
	home, err := safefs.OpenRoot(s.key.home, trust)
	if err != nil {
		rep.Code, rep.Reason = "error", "le dossier personnel ne peut pas être ouvert: "+err.Error()
		a.log.Error("the session key cannot be removed: the home folder cannot be opened; it is removed at the next start", "err", err)
		return rep
	}
	defer home.Close()
	if !s.key.destroyed {
		st, err := a.removeKey(ctx, home, s.key.id)
		switch {
		case err != nil:
			rep.Code, rep.Reason = "error", "la clé n'a pas pu être détruite: "+err.Error()
			a.log.Error("the session key could not be removed; it is tried again at the next start", "key", s.key.id.String(), "err", err)
		case st == cryptoerase.Absent:
			s.key.destroyed = true
			if err := a.journal.KeyDestroyed(s.key.id.String()); err != nil {
				a.log.Warn("crash journal degraded", "err", err)
			}
			a.log.Info("session key destroyed: the session's encrypted documents can never be read again", "key", s.key.id.String())
		default:
			rep.Code = "files_busy"
			rep.Reason = "des programmes gardent des documents de la session ouverts: la clé n'est pas détruite tant qu'ils tournent; le personnel doit les fermer (ou activer accounts.end_programs)"
			holders := a.keyHolders(s)
			rep.Holders = len(holders)
			a.log.Error("the session key is not destroyed: programs still hold files of the session open; it is removed again at the next session start", "key", s.key.id.String(), "status", st.String(), "holders", strings.Join(holders, ", "))
		}
	}
	rep.Destroyed = s.key.destroyed
	for _, r := range s.roots {
		if r.encID == nil {
			continue
		}
		d, err := home.OpenBeneath(r.rel, trust)
		if err == nil && (d.Info().Dev != r.encID.Dev || d.Info().Ino != r.encID.Ino) {
			d.Close()
			err = errors.New("another folder took its name")
		}
		if err != nil && r.encHandle != nil {
			// Moved during the session (mv ~/Téléchargements ~/x): what
			// stands at the name is wiped by the rules of the name
			// (RC4), and the folder itself where it is now, found by
			// the kernel's handle and checked to be the same.
			if md, herr := home.OpenFolderHandle(*r.encHandle, *r.encID); herr == nil {
				a.log.Warn("the encrypted folder was moved during the session; it is wiped where it is now", "root", r.policy.Label)
				d, err = md, nil
			}
		}
		if err != nil {
			// What stands at the name is wiped by the rules of the
			// root's name (RC4); this folder is not reported encrypted.
			a.log.Error("the encrypted folder is no longer at its name; what stands there is wiped as usual", "root", r.policy.Label, logging.Personal("err", err.Error()))
			r.encID = nil
			continue
		}
		r.dir = d
		rep.Folders = append(rep.Folders, r.policy.Label)
	}
	return rep
}

// removeKey removes key id from the file system of dir, again while files
// busy keep it incompletely removed, for programs that are still ending.
func (a *Agent) removeKey(ctx context.Context, dir *safefs.Dir, id cryptoerase.ID) (cryptoerase.Status, error) {
	f, err := dir.File()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var st cryptoerase.Status
	for i := 0; i < keyRemoveTries; i++ {
		if st, err = cryptoerase.Remove(f, id); err != nil || st == cryptoerase.Absent {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(keyRemoveWait):
		}
	}
	return st, nil
}

// recoverKeys removes the keys a crash left (journaled and not destroyed)
// and empties the folders made for them that are not a root of the
// recorded session: one still at its hidden name is removed, one at a
// root's name of no recorded session is emptied. Everything inside was
// made after the agent made the folder empty.
func (a *Agent) recoverKeys(ctx context.Context, keys []journal.KeyFolder, sessionRoots map[string]bool) {
	done := map[string]bool{}
	for _, k := range keys {
		trust := safefs.RootOptions{TrustedUIDs: k.Owners}
		parent, err := safefs.OpenRoot(string(k.Parent), trust)
		if err != nil {
			a.log.Error("a session key left by a crash cannot be removed now: the folder that held its folder cannot be opened; it is tried again at the next start", "key", k.Key, "err", err)
			continue
		}
		if _, seen := done[k.Key]; !seen {
			done[k.Key] = a.recoverKey(ctx, parent, k.Key)
		}
		var sk cryptoerase.ID
		if id, err := cryptoerase.ParseID(k.Key); err == nil {
			sk = id
		}
		empty := func(d *safefs.Dir) wipe.Result {
			return wipe.Run(ctx, wipe.Config{Roots: []wipe.Root{{Dir: d, Scope: "all", Owners: k.Owners, SessionKey: sk}}})
		}
		found := false
		for _, n := range []string{k.Tmp, k.Name} {
			if n == "" {
				continue
			}
			in, err := parent.Stat(n)
			if err != nil || in.Dev != k.Dev || in.Ino != k.Ino || !in.IsDir() {
				continue
			}
			found = true
			if n == k.Name && sessionRoots[filepath.Join(string(k.Parent), n)] {
				continue // the session's recovery wipes it
			}
			d, err := parent.OpenDirExpect(n, in.Identity)
			if err != nil {
				continue
			}
			res := empty(d)
			d.Close()
			a.log.Info("a folder encrypted by a session left by a crash was emptied", "root", k.Label, "removed", res.Removed.Total(), "left", res.Leftover)
			if n == k.Tmp && res.Leftover == 0 {
				if err := removeDirAs(parent, n, in.Identity); err != nil {
					a.log.Warn("the hidden folder of a crashed session could not be removed", "folder", n, "err", err)
				}
			}
		}
		if !found && len(k.Handle) > 0 {
			// Neither at its hidden name nor at the root's: the person
			// moved it during the session (what stands at the root's
			// name is the session recovery's, by the rules of the name).
			// The kernel's handle finds it on the same file system, and
			// its identity is checked; it is emptied where it is, as at
			// a session's end.
			want := safefs.Identity{Dev: k.Dev, Ino: k.Ino, Btime: k.Btime}
			if d, err := openMoved(filepath.Join(string(k.Parent), k.Name), want, k.FolderHandle, trust); err == nil {
				res := empty(d)
				d.Close()
				a.log.Warn("a folder encrypted by a session left by a crash was moved away before the crash; it was emptied where it is now", "root", k.Label, "removed", res.Removed.Total(), "left", res.Leftover)
			} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ESTALE) {
				a.log.Error("a folder encrypted by a session left by a crash was moved away and cannot be opened; what is left in it is unreadable (its key is destroyed), remove it by hand", "root", k.Label, "err", err)
			}
		}
		parent.Close()
	}
}

func (a *Agent) recoverKey(ctx context.Context, dir *safefs.Dir, key string) bool {
	id, err := cryptoerase.ParseID(key)
	if err != nil {
		return false
	}
	st, err := a.removeKey(ctx, dir, id)
	if err != nil || st != cryptoerase.Absent {
		a.log.Error("a session key left by a crash is not destroyed yet (files still in use?); it is tried again at the next start", "key", key, "status", st.String(), "err", err)
		return false
	}
	if err := a.journal.KeyDestroyed(key); err != nil {
		a.log.Warn("crash journal degraded", "err", err)
	}
	a.log.Info("a session key left by a crash was destroyed", "key", key)
	return true
}

// pendingName is how a document left in root r is named to the person:
// once the key is destroyed its name is ciphertext, shown as a plain
// label.
func pendingName(s *activeSession, r *sessionRoot, rel string) string {
	if r.encID != nil && s.key != nil && s.key.destroyed {
		return noKeyName
	}
	return ipc.DisplayName(filepath.Base(rel))
}

// recoveredKey is the key of an encrypted root of a session left by a
// crash, for its end: destroyed unless its record is still live.
func recoveredKey(all, live []journal.KeyFolder, jr journal.Root, home string) *sessionKey {
	for _, k := range all {
		if k.Dev != jr.Dev || k.Ino != jr.Ino {
			continue
		}
		id, err := cryptoerase.ParseID(k.Key)
		if err != nil {
			return nil
		}
		sk := &sessionKey{id: id, home: home, destroyed: true}
		for _, l := range live {
			if l.Key == k.Key {
				sk.destroyed = false
			}
		}
		return sk
	}
	return nil
}

// keyHolders names the programs ("firefox (pid 4242, uid 1001)") that hold
// something beneath the session's encrypted folders, for the report and
// the log: no file name, only who.
func (a *Agent) keyHolders(s *activeSession) []string {
	seen := map[int]bool{}
	var out []string
	for _, r := range s.roots {
		if r.encID == nil || r.path == "" {
			continue
		}
		hs, err := procs.Holders(r.path)
		if err != nil {
			a.log.Warn("the programs holding the session's files could not be listed", "root", r.policy.Label, "err", err)
			continue
		}
		for _, h := range hs {
			if seen[h.PID] {
				continue
			}
			seen[h.PID] = true
			out = append(out, fmt.Sprintf("%s (pid %d, uid %d, %s)", h.Comm, h.PID, h.UIDs[0], strings.Join(h.Holds, "+")))
		}
	}
	return out
}
