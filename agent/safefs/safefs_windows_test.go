package safefs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// These tests run the real Windows code: on Windows, and in CI under Wine
// (.ci/wine/exec), which implements the NT calls used here but has no
// junctions and does not enforce ACLs. The cases that need those skip
// under Wine and say what Windows itself checks.

func underWine() bool { return os.Getenv("ARDOISE_UNDER_WINE") != "" }

func skipUnderWine(t *testing.T, why string) {
	t.Helper()
	if underWine() {
		t.Skipf("Wine 8 %s; this case runs on Windows", why)
	}
}

// scratch makes a folder for one test and empties it at the end with the
// package's own walker: Go's os.RemoveAll, which t.TempDir uses, fails
// under Wine 8 (it needs FileDispositionInfoEx).
func scratch(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "safefs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		root, err := OpenRoot(dir, trustMe(t))
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		defer root.Close()
		if err := removeBelow(root); err != nil {
			t.Logf("cleanup: %v", err)
		}
		root.Close()
		os.Remove(dir)
	})
	return dir
}

// trustMe trusts the test's own account for the folders above a root, as
// the agent trusts the session user's.
func trustMe(t *testing.T) RootOptions {
	t.Helper()
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return RootOptions{TrustedSIDs: []string{u.User.Sid.String()}}
}

// removeBelow deletes everything below root, depth first, by handle.
func removeBelow(root *Dir) error {
	w := Walker{
		MaxOpen: 3,
		Visit: func(e *WalkEntry) (Action, error) {
			if e.Info.IsDir() {
				return Descend, nil
			}
			return Skip, e.Parent.Unlink(e.Name)
		},
		Leave: func(e *WalkEntry) error { return e.Parent.RemoveDir(e.Name) },
	}
	return w.Walk(context.Background(), root)
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, d *Dir) []string {
	t.Helper()
	if err := d.Rewind(); err != nil {
		t.Fatal(err)
	}
	es, err := d.ReadEntries(0)
	if err != nil && len(es) == 0 && !isEOF(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	slices.Sort(out)
	return out
}

// A deep tree walked with only three handles (the walker closes the
// outer ones and climbs back by OpenParent and SeekTo) is deleted
// completely, by handle, and a file next to the root is untouched.
func TestWindowsWalkDeletesADeepTree(t *testing.T) {
	dir := scratch(t)
	write(t, filepath.Join(dir, "sentinel.txt"), "keep")
	base := filepath.Join(dir, "root")
	p := base
	for i := range 12 {
		p = filepath.Join(p, fmt.Sprintf("d%d", i))
		for j := range 5 {
			write(t, filepath.Join(p, fmt.Sprintf("f%d.txt", j)), "x")
		}
	}
	for j := range 300 { // wider than one listing buffer read
		write(t, filepath.Join(base, fmt.Sprintf("wide-%03d-%s.txt", j, strings.Repeat("n", 60))), "x")
	}
	root, err := OpenRoot(base, trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	maxOpen := 0
	w := Walker{
		MaxOpen: 3,
		Batch:   7,
		OnOpen:  func(n int) { maxOpen = max(maxOpen, n) },
		Visit: func(e *WalkEntry) (Action, error) {
			if e.Info.IsDir() {
				return Descend, nil
			}
			return Skip, e.Parent.Unlink(e.Name)
		},
		Leave: func(e *WalkEntry) error { return e.Parent.RemoveDir(e.Name) },
	}
	if err := w.Walk(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	if got := names(t, root); len(got) != 0 {
		t.Errorf("left below the root: %v", got)
	}
	if maxOpen > 4 { // the budget, plus a new one for the moment before the oldest is closed
		t.Errorf("the walker held %d handles with MaxOpen 3", maxOpen)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sentinel.txt")); err != nil || string(b) != "keep" {
		t.Errorf("sentinel: %q, %v", b, err)
	}
}

// W3: a folder renamed or replaced by another one after it was opened.
// Everything goes through the handle, so the delete happens in the folder
// that was opened and checked, never in what the name now leads to (on
// Windows, BaitAndSwitch puts a junction there; the principle is the
// same).
func TestW3_NameSwappedAfterOpen(t *testing.T) {
	dir := scratch(t)
	write(t, filepath.Join(dir, "Downloads", "sub", "a.txt"), "session")
	root, err := OpenRoot(filepath.Join(dir, "Downloads"), trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	sub, err := root.OpenDir("sub")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// The swap: sub goes elsewhere, a victim folder takes its name.
	if err := os.Rename(filepath.Join(dir, "Downloads", "sub"), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "Downloads", "sub", "a.txt"), "victim")
	if err := sub.Unlink("a.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "moved", "a.txt")); !errors.Is(err, fs.ErrNotExist) {
		if underWine() {
			// Wine keeps a Unix path for each handle and resolves
			// relative names and deletes through it: after the move
			// neither file is deleted (still safe; the victim check
			// below holds). Windows resolves through the object.
			t.Logf("under Wine the moved folder's file stays (%v); checked on Windows", err)
		} else {
			t.Errorf("the opened folder's file is still there: %v", err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "Downloads", "sub", "a.txt")); err != nil || string(b) != "victim" {
		t.Errorf("the victim was touched: %q, %v", b, err)
	}
	// And the walker notices that the name is no longer the folder it
	// listed.
	info, err := root.Stat("sub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.OpenDirExpect("sub", sub.Info().Identity); !errors.Is(err, ErrChanged) {
		t.Errorf("OpenDirExpect of a swapped name: %v, want ErrChanged (listed %v, now %v)", err, sub.Info().Identity, info.Identity)
	}
}

// W11: read-only, hidden and system attributes, and names Win32 refuses
// or changes (CON.txt, a trailing dot, a trailing space), made through the
// \\?\ prefix. All are listed and deleted by handle.
func TestW11_AttributesAndAwkwardNames(t *testing.T) {
	dir := scratch(t)
	base := filepath.Join(dir, "Downloads")
	write(t, filepath.Join(base, "plain.txt"), "x")
	awkward := []string{"CON.txt", "a.", "b "}
	if !underWine() {
		for _, n := range awkward {
			write(t, `\\?\`+filepath.Join(base, n), "x")
		}
	}
	attrs := map[string]uint32{
		"readonly.txt": windows.FILE_ATTRIBUTE_READONLY,
		"hidden.txt":   windows.FILE_ATTRIBUTE_HIDDEN,
		"system.txt":   windows.FILE_ATTRIBUTE_SYSTEM | windows.FILE_ATTRIBUTE_READONLY,
	}
	for n, a := range attrs {
		p := filepath.Join(base, n)
		write(t, p, "x")
		u, _ := windows.UTF16PtrFromString(p)
		if err := windows.SetFileAttributes(u, a); err != nil {
			t.Fatal(err)
		}
	}
	root, err := OpenRoot(base, trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got := names(t, root)
	if len(got) != 4+len(awkward) && !underWine() || underWine() && len(got) != 4 {
		t.Errorf("listed %q", got)
	}
	info, err := root.Stat("readonly.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.Attributes&windows.FILE_ATTRIBUTE_READONLY == 0 || info.Mode.Perm() != 0o444 {
		t.Errorf("read-only file: attributes %#x, mode %v", info.Attributes, info.Mode)
	}
	for _, n := range got {
		if err := root.Unlink(n); err != nil {
			t.Errorf("unlink %q: %v", n, err)
		}
	}
	if left := names(t, root); len(left) != 0 {
		t.Errorf("left: %q", left)
	}
	if underWine() {
		t.Log("Wine 8 maps names to Unix ones and cannot keep CON.txt, \"a.\" or \"b \"; those names are checked on Windows")
	}
}

// Names are single components: a separator, ".." or a stream suffix
// (Guide.pdf:notes, threats.md W10) never reaches NtCreateFile.
func TestWindowsNamesAreSingleComponents(t *testing.T) {
	dir := scratch(t)
	write(t, filepath.Join(dir, "r", "Guide.pdf"), "x")
	root, err := OpenRoot(filepath.Join(dir, "r"), trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, n := range []string{"", ".", "..", `..\x`, "a/b", `a\b`, "Guide.pdf:notes", "Guide.pdf::$DATA", "x\x00y"} {
		if err := root.Unlink(n); err == nil {
			t.Errorf("Unlink(%q) was accepted", n)
		}
		if _, err := root.Stat(n); err == nil {
			t.Errorf("Stat(%q) was accepted", n)
		}
	}
	for _, p := range []string{`relative\path`, `\\srv\partage\x`, `\\?\C:\x`, dir + `\..\x`, `C:`} {
		if d, err := OpenRoot(p, trustMe(t)); err == nil {
			d.Close()
			t.Errorf("OpenRoot(%q) was accepted", p)
		}
	}
	for _, rel := range []string{"..", `..\x`, `C:\x`, `\x`} {
		if d, err := root.OpenBeneath(rel, trustMe(t)); err == nil {
			d.Close()
			t.Errorf("OpenBeneath(%q) was accepted", rel)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r", "Guide.pdf")); err != nil {
		t.Error(err)
	}
}

// Identity, listing positions, and the helpers the browsers' settings
// use: a second handle resumes a listing where Tell left it, ReplaceFile
// replaces by rename, ReadFile reads, Rename never replaces.
func TestWindowsDirPrimitives(t *testing.T) {
	dir := scratch(t)
	base := filepath.Join(dir, "r")
	for i := range 50 {
		write(t, filepath.Join(base, fmt.Sprintf("f%02d", i)), "x")
	}
	root, err := OpenRoot(base, trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	first, err := root.ReadEntries(20)
	if err != nil {
		t.Fatal(err)
	}
	second, err := root.Reopen()
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.SeekTo(root.Tell()); err != nil {
		t.Fatal(err)
	}
	rest, err := second.ReadEntries(0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range append(first, rest...) {
		seen[e.Name]++
	}
	if len(seen) != 50 || len(first)+len(rest) != 50 {
		t.Errorf("resumed listing: %d names, %d entries; want 50 once each", len(seen), len(first)+len(rest))
	}
	if second.Info().Identity != root.Info().Identity {
		t.Errorf("Reopen gave another object: %v vs %v", second.Info().Identity, root.Info().Identity)
	}

	a, err := root.Stat("f01")
	if err != nil {
		t.Fatal(err)
	}
	b, err := root.Stat("f02")
	if err != nil {
		t.Fatal(err)
	}
	if a.Identity == b.Identity || a.Ino == 0 || a.Dev == 0 || a.Btime == 0 {
		t.Errorf("identities: %+v, %+v", a.Identity, b.Identity)
	}
	if a.Mode.Type() != 0 || a.Nlink != 1 || a.Size != 1 {
		t.Errorf("f01: mode %v nlink %d size %d", a.Mode, a.Nlink, a.Size)
	}

	sub, err := root.MkdirBeneath("x/y", 0, 0, trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := sub.ReplaceFile("policies.json", nil, []byte("one"), 0o644, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := sub.ReplaceFile("policies.json", nil, []byte("new"), 0o644, 0, 0); err == nil {
		t.Error("ReplaceFile without an identity replaced an existing file")
	}
	one, err := sub.Stat("policies.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.ReplaceFile("policies.json", &a.Identity, []byte("bad"), 0o644, 0, 0); !errors.Is(err, ErrChanged) {
		t.Errorf("ReplaceFile of another file's identity: %v, want ErrChanged", err)
	}
	if err := sub.ReplaceFile("policies.json", &one.Identity, []byte("two"), 0o644, 0, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := sub.ReadFile("policies.json", 10); err != nil || string(got) != "two" {
		t.Errorf("ReadFile: %q, %v", got, err)
	}
	if _, err := sub.ReadFile("policies.json", 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over the limit: %v", err)
	}
	if got := names(t, sub); !slices.Equal(got, []string{"policies.json"}) {
		t.Errorf("after two replacements: %q", got)
	}
	if err := root.Rename("f03", sub, "policies.json"); err == nil {
		t.Error("Rename replaced an existing entry")
	}
	if err := root.Rename("f03", sub, "moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(base, "x", "y", "moved")); err != nil {
		t.Error(err)
	}
	if err := root.Unlink("x"); err == nil {
		t.Error("Unlink removed a folder")
	}
	if err := sub.Unlink("moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.OpenDir("f04"); !errors.Is(err, ErrNotDir) {
		t.Errorf("OpenDir of a file: %v, want ErrNotDir", err)
	}
	if where, err := root.Where(); err != nil || !strings.EqualFold(where, base) {
		t.Errorf("Where: %q, %v; want %q", where, err, base)
	}
	if m, err := root.Mount(); err != nil || m.ID != root.Info().Dev || m.Point == "" {
		t.Errorf("Mount: %+v, %v", m, err)
	}
	// The system drive is a fixed disk: accepted; the same volume as an
	// anchor on it too.
	if err := CheckMedium(root, sub, MediumRules{}); err != nil {
		t.Errorf("CheckMedium on the system drive: %v", err)
	}
}

// makeJunction turns the empty folder link into a junction to target, a
// drive path or an NT name (FSCTL_SET_REPARSE_POINT with a mount-point buffer, as mklink /J does;
// no privilege needed, which is what makes W1 an attack).
func makeJunction(t *testing.T, link, target string) {
	t.Helper()
	if err := os.Mkdir(link, 0o755); err != nil {
		t.Fatal(err)
	}
	u, _ := windows.UTF16PtrFromString(link)
	h, err := windows.CreateFile(u, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	nt := target
	if !strings.HasPrefix(nt, `\`) { // a drive path, not an NT name such as \RPC Control
		nt = `\??\` + target
	}
	sub, _ := windows.UTF16FromString(nt)
	subLen := (len(sub) - 1) * 2
	// REPARSE_DATA_BUFFER, MountPointReparseBuffer: substitute name then
	// an empty print name, each NUL-terminated.
	buf := make([]byte, 8+8+subLen+2+2)
	*(*uint32)(unsafe.Pointer(&buf[0])) = 0xA0000003
	*(*uint16)(unsafe.Pointer(&buf[4])) = uint16(len(buf) - 8)
	*(*uint16)(unsafe.Pointer(&buf[10])) = uint16(subLen)
	*(*uint16)(unsafe.Pointer(&buf[12])) = uint16(subLen + 2)
	copy(buf[16:], unsafe.Slice((*byte)(unsafe.Pointer(&sub[0])), subLen))
	var n uint32
	if err := windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &buf[0], uint32(len(buf)), nil, 0, &n, nil); err != nil {
		if errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION) {
			t.Skipf("this file system cannot make junctions (%v); this case runs on Windows with NTFS", err)
		}
		t.Fatal(err)
	}
}

// W1 and W4: a junction made by the user to a system folder (System32,
// C:\Config.Msi). It is seen as a link, never entered, and removing it
// removes the junction alone.
func TestW1_W4_JunctionIsRemovedNotFollowed(t *testing.T) {
	skipUnderWine(t, "cannot make junctions (FSCTL_SET_REPARSE_POINT is not implemented)")
	dir := scratch(t)
	victim := filepath.Join(dir, "Config.Msi")
	write(t, filepath.Join(victim, "rollback.rbs"), "victim")
	makeJunction(t, filepath.Join(dir, "Downloads", "x"), victim)
	root, err := OpenRoot(filepath.Join(dir, "Downloads"), trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	info, err := root.Stat("x")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode&fs.ModeSymlink == 0 || ClassifyReparse(info.ReparseTag) != ReparseLink {
		t.Errorf("junction seen as %v (tag %#x)", info.Mode, info.ReparseTag)
	}
	if d, err := root.OpenDir("x"); !errors.Is(err, ErrSymlink) {
		d.Close()
		t.Fatalf("OpenDir of a junction: %v, want ErrSymlink", err)
	}
	if err := root.RemoveDir("x"); err == nil {
		t.Error("RemoveDir accepted a junction")
	}
	if err := removeBelow(root); err != nil {
		t.Fatal(err)
	}
	if got := names(t, root); len(got) != 0 {
		t.Errorf("left: %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(victim, "rollback.rbs")); err != nil || string(b) != "victim" {
		t.Errorf("the junction's target was touched: %q, %v", b, err)
	}
	// And OpenRoot refuses a root reached through a junction.
	makeJunction(t, filepath.Join(dir, "Redirected"), victim)
	if d, err := OpenRoot(filepath.Join(dir, "Redirected"), trustMe(t)); !errors.Is(err, ErrSymlink) {
		d.Close()
		t.Errorf("OpenRoot through a junction: %v, want ErrSymlink", err)
	}
}

// W9: the user denies DELETE to everyone on their own file. The service
// still deletes it: the parent folder grants FILE_DELETE_CHILD, which NTFS
// honours for a delete-only open.
func TestW9_DACLDenyingDelete(t *testing.T) {
	skipUnderWine(t, "stores ACLs but does not enforce them")
	dir := scratch(t)
	p := filepath.Join(dir, "Downloads", "cv.pdf")
	write(t, p, "x")
	sd, err := windows.SecurityDescriptorFromString("D:(D;;SD;;;WD)(A;;FA;;;WD)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(filepath.Join(dir, "Downloads"), trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.Unlink("cv.pdf"); err != nil {
		t.Fatalf("unlink despite the DACL: %v", err)
	}
}

// W2: a junction to \RPC Control, where any user may create an object
// manager symbolic link (\RPC Control\f.txt -> \??\C:\…\win.ini): through
// a path, Downloads\x\f.txt is win.ini. The walker opens x itself (a
// reparse point, never entered) and removes the junction alone.
func TestW2_PseudoSymlinkThroughRPCControl(t *testing.T) {
	skipUnderWine(t, "cannot make junctions (FSCTL_SET_REPARSE_POINT is not implemented)")
	dir := scratch(t)
	victim := filepath.Join(dir, "win.ini")
	write(t, victim, "victim")
	makeJunction(t, filepath.Join(dir, "Downloads", "x"), `\RPC Control`)
	link := fmt.Sprintf("ardoise-test-%d.txt", os.Getpid())
	closeLink := objectSymlink(t, `\RPC Control\`+link, `\??\`+victim)
	defer closeLink()
	if b, err := os.ReadFile(filepath.Join(dir, "Downloads", "x", link)); err != nil || string(b) != "victim" {
		t.Skipf("the pseudo-symlink does not resolve on this Windows (%q, %v); nothing to defend against", b, err)
	}
	root, err := OpenRoot(filepath.Join(dir, "Downloads"), trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if d, err := root.OpenDir("x"); !errors.Is(err, ErrSymlink) {
		d.Close()
		t.Fatalf("OpenDir of the junction: %v, want ErrSymlink", err)
	}
	if err := removeBelow(root); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "victim" {
		t.Errorf("win.ini stand-in touched: %q, %v", b, err)
	}
}

// objectSymlink creates an object manager symbolic link (what
// symboliclink-testing-tools' CreateSymlink does) and returns its closer:
// the link lives as long as its handle.
func objectSymlink(t *testing.T, name, target string) func() {
	t.Helper()
	proc := windows.NewLazySystemDLL("ntdll.dll").NewProc("NtCreateSymbolicLinkObject")
	n, err := windows.NewNTUnicodeString(name)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := windows.NewNTUnicodeString(target)
	if err != nil {
		t.Fatal(err)
	}
	oa := windows.OBJECT_ATTRIBUTES{ObjectName: n, Attributes: windows.OBJ_CASE_INSENSITIVE}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	const symbolicLinkAllAccess = 0xF0001
	if st, _, _ := proc.Call(uintptr(unsafe.Pointer(&h)), symbolicLinkAllAccess, uintptr(unsafe.Pointer(&oa)), uintptr(unsafe.Pointer(tg))); st != 0 {
		t.Skipf("cannot create %s: NTSTATUS %#x", name, st)
	}
	return func() { windows.CloseHandle(h) }
}

// W8: a file another program holds open without FILE_SHARE_DELETE (Word
// with cv.docx) cannot be deleted now; the error is a sharing violation,
// which the wipe reports as "encore utilisé", retries, and keeps pending.
// Once the program lets go, the same call deletes it.
func TestW8_FileInUse(t *testing.T) {
	dir := scratch(t)
	p := filepath.Join(dir, "Downloads", "cv.docx")
	write(t, p, "x")
	u, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(u, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(filepath.Join(dir, "Downloads"), trustMe(t))
	if err != nil {
		windows.CloseHandle(h)
		t.Fatal(err)
	}
	defer root.Close()
	err = root.Unlink("cv.docx")
	windows.CloseHandle(h)
	if !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
		t.Errorf("unlink of a file in use: %v, want a sharing violation", err)
	}
	if err := root.Unlink("cv.docx"); err != nil {
		t.Errorf("unlink once released: %v", err)
	}
}
