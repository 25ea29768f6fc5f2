package agent

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/durable"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// A program the person left running (accounts.end_programs is off by
// default) can write after the end of the session; a baseline taken at the
// next start would take what it wrote for the library's, forever. So the
// system service records what each verified wipe left, by identity, and
// the next session of that account starts from it (threats.md D4): an
// entry of the kiosk account under a root the record covers, and not in
// the record, is taken out of the new baseline, which makes it the new
// session's (issue 13 RC7, docs/design.md).

// cleanSet is what the last verified wipe of an account left.
type cleanSet struct {
	roots []safefs.Identity // the roots it covered (device and inode)
	ids   []safefs.Identity // sorted by device and inode
}

func compareID(a, b safefs.Identity) int {
	if c := cmp.Compare(a.Dev, b.Dev); c != 0 {
		return c
	}
	return cmp.Compare(a.Ino, b.Ino)
}

func (c *cleanSet) coversRoot(id safefs.Identity) bool {
	return slices.ContainsFunc(c.roots, func(r safefs.Identity) bool { return r.Dev == id.Dev && r.Ino == id.Ino })
}

// has reports whether id was left by the wipe. Without a birth time on
// one side, an entry on the same inode is taken as the one left: in doubt
// the file is kept, as everywhere (threats.md B5).
func (c *cleanSet) has(id safefs.Identity) bool {
	i, _ := slices.BinarySearchFunc(c.ids, id, compareID)
	for ; i < len(c.ids) && c.ids[i].Dev == id.Dev && c.ids[i].Ino == id.Ino; i++ {
		if b := c.ids[i].Btime; b == 0 || id.Btime == 0 || b == id.Btime {
			return true
		}
	}
	return false
}

// cleanApplies says whether session s is one the record is kept for: a
// kiosk account's, in system mode. A foreground agent's user keeps their
// programs and their files; on Windows, where owners are SIDs, it is not
// done yet.
func (a *Agent) cleanApplies(s *activeSession) bool {
	return a.cfg.Mode == System && runtime.GOOS != "windows" && s.user.UID != 0
}

func (a *Agent) cleanPath(uid uint32) string {
	return filepath.Join(a.cfg.StateDir, "clean-"+strconv.FormatUint(uint64(uid), 10))
}

const cleanMagic = "ARDOISE CLEAN 1\n"

// recordClean saves what the verified wipe of s left.
func (a *Agent) recordClean(s *activeSession, res wipe.Result) {
	if !a.cleanApplies(s) {
		return
	}
	c := cleanSet{ids: slices.Clone(res.Left)}
	for _, r := range s.roots {
		if r.dir != nil {
			in := r.dir.Info()
			c.roots = append(c.roots, safefs.Identity{Dev: in.Dev, Ino: in.Ino})
		}
	}
	slices.SortFunc(c.ids, compareID)
	if err := writeClean(a.cleanPath(s.user.UID), c); err != nil {
		// Without it the next session starts from its own baseline, as
		// before: a late write would be kept, never a file wrongly erased.
		a.log.Error("could not record what the wipe left; what a program still running writes now would be taken for the library's files", "err", err)
		os.Remove(a.cleanPath(s.user.UID))
	}
}

// forgetClean drops the record after a wipe that is not verified: what it
// left may be the session's or the library's, and only the next verified
// wipe can say again.
func (a *Agent) forgetClean(s *activeSession) {
	if a.cleanApplies(s) {
		if err := os.Remove(a.cleanPath(s.user.UID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			a.log.Warn("could not remove the record of the last verified wipe", "err", err)
		}
	}
}

// sinceClean takes out of set, the baseline of the starting session s,
// the entries of s's owners that the last verified wipe did not leave
// under the roots it covered: they were made after it, so they are the
// session's.
func (a *Agent) sinceClean(s *activeSession, set *baseline.Set) *baseline.Set {
	if !a.cleanApplies(s) {
		return set
	}
	c, err := readClean(a.cleanPath(s.user.UID))
	if err != nil {
		a.log.Error("the record of what the last wipe left is damaged; this session starts from what exists now", "err", err)
		return set
	}
	if c == nil {
		return set
	}
	covered := make([]bool, len(s.roots))
	for i := range s.roots {
		if id, ok := set.RootID(i); ok {
			covered[i] = c.coversRoot(id)
		}
	}
	out, n := set.Without(func(r baseline.Record) bool {
		i := int(r.Root)
		return i < len(s.roots) && covered[i] && slices.Contains(s.roots[i].owners, r.UID) && !c.has(r.ID)
	})
	if n > 0 {
		a.log.Warn("the kiosk account made entries after the last verified wipe (a program still running?); they belong to this session and are erased at its end", "entries", n, "uid", s.user.UID)
	}
	return out
}

func writeClean(path string, c cleanSet) error {
	var b bytes.Buffer
	b.WriteString(cleanMagic)
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, uint32(len(c.roots))))
	for _, r := range c.roots {
		b.Write(le.AppendUint64(le.AppendUint64(nil, r.Dev), r.Ino))
	}
	b.Write(le.AppendUint64(nil, uint64(len(c.ids))))
	for _, id := range c.ids {
		b.Write(le.AppendUint64(le.AppendUint64(le.AppendUint64(nil, id.Dev), id.Ino), uint64(id.Btime)))
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".clean-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return durable.SyncDir(dir)
}

// readClean reads a record; none at all is (nil, nil).
func readClean(path string) (*cleanSet, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bad := fmt.Errorf("%s is damaged; remove it to go on (the next verified wipe writes it again)", path)
	if len(data) < len(cleanMagic)+4+8+sha256.Size || string(data[:len(cleanMagic)]) != cleanMagic {
		return nil, bad
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, bad
	}
	le := binary.LittleEndian
	p := body[len(cleanMagic):]
	nr := uint64(le.Uint32(p))
	p = p[4:]
	if uint64(len(p)) < nr*16+8 {
		return nil, bad
	}
	c := &cleanSet{}
	for range nr {
		c.roots = append(c.roots, safefs.Identity{Dev: le.Uint64(p), Ino: le.Uint64(p[8:])})
		p = p[16:]
	}
	n := le.Uint64(p)
	p = p[8:]
	if uint64(len(p)) != n*24 {
		return nil, bad
	}
	c.ids = make([]safefs.Identity, 0, n)
	for range n {
		c.ids = append(c.ids, safefs.Identity{Dev: le.Uint64(p), Ino: le.Uint64(p[8:]), Btime: int64(le.Uint64(p[16:]))})
		p = p[24:]
	}
	return c, nil
}
