package wipe

import (
	"io/fs"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// W12: a OneDrive placeholder under Documents is never a session entry,
// even in a root wiped whole (scope "all") and owned by the session user:
// deleting it may delete the document in the cloud. The tags come from
// safefs.ClassifyReparse, the stat from safefs on Windows.
func TestW12_CloudPlaceholderIsLeft(t *testing.T) {
	c := &classifier{
		root:     Root{Scope: "all", Owners: []uint32{1000}},
		rootInfo: safefs.Info{Identity: safefs.Identity{Dev: 7, Ino: 1}},
	}
	entry := func(tag uint32, mode fs.FileMode) *safefs.WalkEntry {
		return &safefs.WalkEntry{Name: "Rapport.docx", Info: safefs.Info{
			Identity: safefs.Identity{Dev: 7, Ino: 42}, UID: 1000, Mode: mode, ReparseTag: tag,
		}}
	}
	for _, tag := range []uint32{0x9000001A, 0x9000601A} {
		if got := c.classify(entry(tag, fs.ModeIrregular)); got != cloud {
			t.Errorf("placeholder %#x: class %v, want cloud", tag, got)
		}
		if got := c.classify(entry(tag, fs.ModeIrregular|fs.ModeDir)); got != cloud {
			t.Errorf("placeholder folder %#x: class %v, want cloud", tag, got)
		}
	}
	// The same file without the tag, and a junction the session made, are
	// the session's.
	if got := c.classify(entry(0, 0)); got != sessionEntry {
		t.Errorf("ordinary file: class %v, want sessionEntry", got)
	}
	if got := c.classify(entry(0xA0000003, fs.ModeSymlink)); got != sessionEntry {
		t.Errorf("junction: class %v, want sessionEntry", got)
	}
	w := &wiper{}
	w.countKept(0, cloud, entry(0x9000001A, fs.ModeIrregular))
	if w.kept.Cloud != 1 || len(w.otherMedia) != 1 || w.otherMedia[0].Reason == "" {
		t.Errorf("not reported: kept %+v, items %+v", w.kept, w.otherMedia)
	}
}

// B7 and L14 on Windows: owners are SIDs there, and every account but
// SYSTEM has the same placeholder UID (safefs.NobodyUID). A new entry is
// the session's only if its owner SID is the session's; an owner that
// could not be read is nobody's.
func TestB7_WindowsOwnersAreSIDs(t *testing.T) {
	const me, other = "S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"
	c := &classifier{
		root:     Root{Scope: "session", Owners: []uint32{safefs.NobodyUID}, OwnerSIDs: []string{me}},
		rootInfo: safefs.Info{Identity: safefs.Identity{Dev: 7, Ino: 1}},
	}
	for _, x := range []struct {
		owner string
		want  class
	}{
		{me, sessionEntry},
		{"s-1-5-21-1-2-3-1001", sessionEntry}, // SIDs compare without case
		{other, foreign},
		{"S-1-5-19", foreign}, // LOCAL SERVICE: a scanner's service
		{safefs.OwnerUnknown, foreign},
	} {
		e := &safefs.WalkEntry{Name: "scan.pdf", Info: safefs.Info{
			Identity: safefs.Identity{Dev: 7, Ino: 42}, UID: safefs.NobodyUID, Owner: x.owner,
		}}
		if got := c.classify(e); got != x.want {
			t.Errorf("owner %s: class %v, want %v", x.owner, got, x.want)
		}
	}
}
