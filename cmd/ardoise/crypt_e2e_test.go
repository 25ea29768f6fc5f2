//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// The tests of per-session encryption (issue 14) run the real system
// service as root for a real kiosk account whose home is a real ext4 file
// system on a loop device made by the test, with or without the "encrypt"
// feature.

const cryptMarker = "ARDOISE-E2E-PLAINTEXT-5c1d"

// cryptHome is a kiosk account whose home is the root of an ext4 file
// system on a loop device.
type cryptHome struct {
	name       string
	uid        int
	home, base string
	fs         *cetest.LoopFS // the home's file system
}

func newCryptHome(t *testing.T, encrypt bool) *cryptHome {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: a kiosk account, the system service and a loop device")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skipf("needs useradd: %v", err)
	}
	base, err := os.MkdirTemp("", "ardoise-crypt-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	t.Cleanup(func() { os.RemoveAll(base) })
	h := &cryptHome{base: base}
	if encrypt {
		h.fs = cetest.NewLoopFS(t, 48)
	} else {
		h.fs = cetest.NewPlainLoopFS(t, 48)
	}
	h.home = h.fs.Mnt
	h.name = fmt.Sprintf("ardcr%d", os.Getpid()%100000)
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", h.home, "--shell", "/bin/sh", "--user-group", h.name).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", h.name).Run() })
	u, err := user.Lookup(h.name)
	if err != nil {
		t.Fatal(err)
	}
	h.uid, _ = strconv.Atoi(u.Uid)
	os.Chown(h.home, h.uid, h.uid)
	for _, d := range []string{"Downloads", "Documents"} {
		os.Mkdir(filepath.Join(h.home, d), 0o755)
		os.Chown(filepath.Join(h.home, d), h.uid, h.uid)
	}
	return h
}

// detach unmounts the home's file system and frees the loop device, so
// that the image can be read as a disk taken out of the computer.
func (h *cryptHome) detach(t *testing.T) { h.fs.Detach(t) }

// imageHolds reads the raw image (detached) for s.
func (h *cryptHome) imageHolds(t *testing.T, s string) bool {
	t.Helper()
	b, err := os.ReadFile(h.fs.Image)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

// cryptService is the system service run for the test, which the test
// can stop (to unmount) or kill -9.
type cryptService struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *syncBuffer
	sock string
	bin  string
}

func (h *cryptHome) policy(t *testing.T, endPrograms bool, roots string) string {
	p := filepath.Join(h.base, "policy.yaml")
	os.WriteFile(p, []byte(fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true, end_programs: %v}\nroots: %s\ntraces: []\n", h.name, endPrograms, roots)), 0o644)
	return p
}

func (h *cryptHome) startService(t *testing.T, from, policy string, env ...string) *cryptService {
	t.Helper()
	cs := &cryptService{log: &syncBuffer{}, sock: filepath.Join(h.base, "a.sock"), bin: filepath.Join(h.base, "ardoise")}
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(cs.bin)
	os.WriteFile(cs.bin, data, 0o755)
	cs.cmd = exec.Command(cs.bin, "run", "--system", "--state-dir", filepath.Join(h.base, "state"), "--socket", cs.sock, "--policy", policy)
	cs.cmd.Env = append(os.Environ(), env...)
	cs.cmd.Stderr = cs.log
	cs.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cs.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cs.done = make(chan struct{})
	go func() { cs.cmd.Wait(); close(cs.done) }()
	t.Cleanup(func() { cs.stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Ready once it has finished what a crash left ("wiping" until
		// then: the socket answers before the recovery ends).
		if code, out := cs.cli(0, "session", "status", "--json"); code == 0 {
			var st ipc.Status
			if json.Unmarshal([]byte(out), &st) == nil && st.State != "wiping" && st.State != "ending" {
				return cs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service does not answer:\n%s", cs.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (cs *cryptService) stop() {
	cs.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-cs.done:
	case <-time.After(20 * time.Second):
		cs.cmd.Process.Kill()
		<-cs.done
	}
}

func (cs *cryptService) kill() {
	cs.cmd.Process.Kill()
	<-cs.done
}

func (cs *cryptService) cli(asUID int, args ...string) (int, string) {
	return socketCLI(cs.bin, cs.sock)(asUID, args...)
}

func (cs *cryptService) startSession(t *testing.T, uid int) ipc.Status {
	t.Helper()
	code, out := cs.cli(uid, "session", "start", "--json")
	if code != 0 && strings.Contains(out, "[409 conflict]") {
		// The service starts a session by itself for a kiosk account
		// whose programs run (a racer started before): that one is
		// the session asked for.
		code, out = cs.cli(uid, "session", "status", "--json")
	}
	if code != 0 {
		t.Fatalf("session start: %d %s\nagent:\n%s", code, out, cs.log.String())
	}
	var st ipc.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return st
}

func (cs *cryptService) endSession(t *testing.T) ipc.WipeReport {
	t.Helper()
	code, out := cs.cli(0, "session", "end", "--json")
	if code != 0 {
		t.Fatalf("session end: %d %s\nagent:\n%s", code, out, cs.log.String())
	}
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return rep
}

func cryptRoot(t *testing.T, st ipc.Status, label string) ipc.RootStatus {
	t.Helper()
	for _, r := range st.Roots {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("no root %q in %+v", label, st.Roots)
	return ipc.RootStatus{}
}

// writeDocs writes, as the kiosk account, documents with a known content
// under names holding the marker, in a sub-folder too.
func (h *cryptHome) writeDocs(t *testing.T, dir string) {
	t.Helper()
	script := `set -e; mkdir -p "$1/dossier-$2"; i=0; while [ $i -lt 5 ]; do
  yes "$2 revenu fiscal de reference" | head -c 65536 > "$1/avis-impot-$2-$i.pdf"
  cp "$1/avis-impot-$2-$i.pdf" "$1/dossier-$2/releve-$2-$i.pdf"; i=$((i+1)); done; sync`
	if out, err := runAs(h.uid, "/bin/sh", "-c", script, "sh", dir, cryptMarker).CombinedOutput(); err != nil {
		t.Fatalf("writing the documents: %v %s", err, out)
	}
}

func openFile(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// keyOf reads the key a folder is encrypted with, and closes it at once
// (an open folder of the tree would keep the key).
func keyOf(t *testing.T, dir string) cryptoerase.ID {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, err := cryptoerase.PolicyID(f)
	if err != nil {
		t.Fatalf("%s is not encrypted: %v", dir, err)
	}
	return id
}

func keyStatus(t *testing.T, home string, id cryptoerase.ID) cryptoerase.Status {
	t.Helper()
	f, err := os.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := cryptoerase.KeyStatus(f, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestCryptoErase_SessionDocumentsUnreadable (issue 14, test a): the
// session's documents land in a folder encrypted for the session; at its
// end the key is absent, the tree is gone, and the raw disk, read with the
// loop device detached, holds neither their contents nor their names.
func TestCryptoErase_SessionDocumentsUnreadable(t *testing.T) {
	h := newCryptHome(t, true)
	cs := h.startService(t, ardoiseBinary(t), h.policy(t, true, "[{path: '{downloads}'}]"))
	st := cs.startSession(t, h.uid)
	dl := filepath.Join(h.home, "Downloads")
	if r := cryptRoot(t, st, "Téléchargements"); r.Protection != ipc.ProtectionEncrypted {
		t.Fatalf("Téléchargements: protection %q (%s), want encrypted\nagent:\n%s", r.Protection, r.ProtectionCode, cs.log.String())
	}
	fi, err := os.Stat(dl)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(h.uid) || fi.Mode().Perm() != 0o755 {
		t.Fatalf("the encrypted Downloads is not the account's with the old mode: %v %v", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(h.home, ".ardoise-new-*")); len(left) != 0 {
		t.Errorf("hidden folders left in the home: %q", left)
	}
	id := keyOf(t, dl)
	if s := keyStatus(t, h.home, id); s != cryptoerase.Present {
		t.Fatalf("key status during the session: %v", s)
	}
	h.writeDocs(t, dl)
	tmp := filepath.Join(h.home, ".cache/ardoise-tmp")
	if got := keyOf(t, tmp); got != id {
		t.Errorf("the session's temporary folder has key %v, want the session's %v", got, id)
	}
	h.writeDocs(t, tmp)
	journal, _ := os.ReadFile(filepath.Join(h.base, "state", "journal"))
	if bytes.Contains(journal, []byte(cryptMarker)) {
		t.Error("the crash journal holds a name from the encrypted folder")
	}
	if !bytes.Contains(journal, []byte(id.String())) {
		t.Error("the crash journal does not hold the key's identifier")
	}

	rep := cs.endSession(t)
	if rep.Key == nil || !rep.Key.Destroyed || len(rep.Key.Folders) == 0 || rep.Key.Folders[0] != "Téléchargements" {
		t.Fatalf("report's key: %+v\nagent:\n%s", rep.Key, cs.log.String())
	}
	if !rep.Verified {
		t.Errorf("wipe not verified: %+v", rep)
	}
	if s := keyStatus(t, h.home, id); s != cryptoerase.Absent {
		t.Errorf("key status after the end: %v, want absent", s)
	}
	if left := entries(t, dl); len(left) != 0 {
		t.Errorf("the tree is not gone: %q", left)
	}
	if left := entries(t, tmp); len(left) != 0 {
		t.Errorf("the temporary folder is not emptied: %q", left)
	}
	cs.stop()
	h.detach(t)
	if h.imageHolds(t, cryptMarker) {
		t.Error("the raw disk holds the marker (a name or a content of the session) after the end")
	}
}

// TestCryptoErase_PlainFileSystemFallsBack (test e): ext4 without the
// "encrypt" feature: the root is only deleted, the status says why
// (file_system), the report has no key, and the raw disk still holds the
// documents deleted (which shows the search of test a can fail).
func TestCryptoErase_PlainFileSystemFallsBack(t *testing.T) {
	h := newCryptHome(t, false)
	cs := h.startService(t, ardoiseBinary(t), h.policy(t, true, "[{path: '{downloads}'}]"))
	st := cs.startSession(t, h.uid)
	r := cryptRoot(t, st, "Téléchargements")
	if r.Protection != ipc.ProtectionDeleted || r.ProtectionCode != ipc.NotEncryptedFileSystem {
		t.Fatalf("protection %q/%q, want deleted/file_system", r.Protection, r.ProtectionCode)
	}
	code, out := cs.cli(0, "session", "status")
	if code != 0 || !strings.Contains(out, "tune2fs -O encrypt") {
		t.Errorf("session status does not say what the admin can do: %d %s", code, out)
	}
	dl := filepath.Join(h.home, "Downloads")
	h.writeDocs(t, dl)
	rep := cs.endSession(t)
	if rep.Key != nil {
		t.Errorf("a key report without encryption: %+v", rep.Key)
	}
	if left := entries(t, dl); len(left) != 0 || !rep.Verified {
		t.Errorf("not wiped: %q %+v", left, rep)
	}
	cs.stop()
	h.detach(t)
	if !h.imageHolds(t, cryptMarker) {
		t.Error("the deleted documents are not found on the raw disk: the search of the encrypted test proves nothing")
	}
}

// TestCryptoErase_LibraryFilesUntouched (test d): a root that holds
// library files at session start is not encrypted (not_empty) and its
// files stay as they are; a file next to the encrypted folder in the home
// stays too, while the empty root beside it is encrypted.
func TestCryptoErase_LibraryFilesUntouched(t *testing.T) {
	h := newCryptHome(t, true)
	guide := filepath.Join(h.home, "Documents", "guide-bibliotheque.pdf")
	beside := filepath.Join(h.home, "horaires.pdf")
	for _, p := range []string{guide, beside} {
		os.WriteFile(p, []byte("le guide de la médiathèque"), 0o644)
		os.Chown(p, h.uid, h.uid)
	}
	before := map[string]os.FileInfo{}
	for _, p := range []string{guide, beside, filepath.Join(h.home, "Documents")} {
		before[p], _ = os.Stat(p)
	}
	cs := h.startService(t, ardoiseBinary(t), h.policy(t, true, "[{path: '{downloads}'}, {path: '{documents}'}]"))
	for round := 0; round < 2; round++ {
		st := cs.startSession(t, h.uid)
		if r := cryptRoot(t, st, "Documents"); r.Protection != ipc.ProtectionDeleted || r.ProtectionCode != ipc.NotEncryptedNotEmpty {
			t.Errorf("Documents: %q/%q, want deleted/not_empty", r.Protection, r.ProtectionCode)
		}
		if r := cryptRoot(t, st, "Téléchargements"); r.Protection != ipc.ProtectionEncrypted {
			t.Errorf("round %d: Téléchargements: %q/%q, want encrypted (the previous session's folder, emptied, is replaced)\nagent:\n%s", round, r.Protection, r.ProtectionCode, cs.log.String())
		}
		h.writeDocs(t, filepath.Join(h.home, "Downloads"))
		h.writeDocs(t, filepath.Join(h.home, "Documents"))
		rep := cs.endSession(t)
		if !rep.Verified || rep.Key == nil || !rep.Key.Destroyed {
			t.Errorf("round %d: %+v key %+v", round, rep, rep.Key)
		}
	}
	for p, fi := range before {
		now, err := os.Stat(p)
		if err != nil || !os.SameFile(fi, now) || (!fi.IsDir() && now.ModTime() != fi.ModTime()) {
			t.Errorf("%s was touched: %v", p, err)
		}
	}
	if got := entries(t, filepath.Join(h.home, "Documents")); len(got) != 1 {
		t.Errorf("Documents holds %q, want the guide alone", got)
	}
	if b, _ := os.ReadFile(guide); string(b) != "le guide de la médiathèque" {
		t.Errorf("the guide changed: %q", b)
	}
}

// holdOpen starts, as the kiosk account, a program that keeps doc open.
func (h *cryptHome) holdOpen(t *testing.T, doc string) *exec.Cmd {
	t.Helper()
	cmd := runAs(h.uid, "/bin/sh", "-c", `exec 3<"$1"; exec sleep 600`, "sh", doc)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/3", cmd.Process.Pid)); err == nil && l == doc {
			return cmd
		}
	}
	t.Fatal("the holder never opened the document")
	return nil
}

// TestCryptoErase_BusyFile (test b): a program of the account holds a
// document open at the end. With end_programs it is ended and the key is
// absent; without, the report says the key is not destroyed and why, and
// the next session start destroys it once the program is gone.
func TestCryptoErase_BusyFile(t *testing.T) {
	for _, end := range []bool{true, false} {
		t.Run(fmt.Sprintf("end_programs=%v", end), func(t *testing.T) {
			h := newCryptHome(t, true)
			cs := h.startService(t, ardoiseBinary(t), h.policy(t, end, "[{path: '{downloads}'}]"))
			cs.startSession(t, h.uid)
			dl := filepath.Join(h.home, "Downloads")
			id := keyOf(t, dl)
			h.writeDocs(t, dl)
			holder := h.holdOpen(t, filepath.Join(dl, "avis-impot-"+cryptMarker+"-0.pdf"))
			rep := cs.endSession(t)
			if rep.Key == nil {
				t.Fatalf("no key report: %+v", rep)
			}
			if end {
				if !rep.Key.Destroyed || rep.Key.Code != "" || keyStatus(t, h.home, id) != cryptoerase.Absent {
					t.Fatalf("with end_programs: key %+v, status %v; want destroyed and absent\nagent:\n%s", rep.Key, keyStatus(t, h.home, id), cs.log.String())
				}
				return
			}
			if rep.Key.Destroyed || rep.Key.Code != "files_busy" || rep.Key.Reason == "" || rep.Key.Holders != 1 {
				t.Fatalf("without end_programs: key %+v; want not destroyed, files_busy, with a reason, 1 program holding files", rep.Key)
			}
			if !strings.Contains(cs.log.String(), fmt.Sprintf("pid %d, uid %d, fd", holder.Process.Pid, h.uid)) {
				t.Errorf("the log does not name the program holding the file (pid %d):\n%s", holder.Process.Pid, cs.log.String())
			}
			if !strings.Contains(cs.log.String(), "the session key is not destroyed: programs still hold files of the session open") {
				t.Errorf("the log does not say it:\n%s", cs.log.String())
			}
			if s := keyStatus(t, h.home, id); s != cryptoerase.IncompletelyRemoved {
				t.Errorf("status with the program still running: %v", s)
			}
			holder.Process.Kill()
			holder.Wait()
			cs.startSession(t, h.uid)
			if s := keyStatus(t, h.home, id); s != cryptoerase.Absent {
				t.Errorf("the next session start did not destroy the key left busy: %v\nagent:\n%s", s, cs.log.String())
			}
			cs.endSession(t)
		})
	}
}

// raceBinary is the program built with -tags ardoise_racewindow, whose
// pauses come from the environment (built once per run, r1_e2e_test.go).
func raceBinary(t *testing.T) string { return raceWindowBinary(t) }

// journaledKey waits until the crash journal holds a key record, and
// returns its identifier.
func (h *cryptHome) journaledKey(t *testing.T) cryptoerase.ID {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(filepath.Join(h.base, "state", "journal"))
		if i := bytes.Index(data, []byte(`{"Key":"`)); i >= 0 && len(data) >= i+8+32 {
			id, err := cryptoerase.ParseID(string(data[i+8 : i+8+32]))
			if err == nil {
				return id
			}
		}
	}
	t.Fatal("no key record in the journal")
	return cryptoerase.ID{}
}

// TestCryptoErase_KillDuringSetupAndSession (test c): kill -9 of the real
// service between the key's journaling and its policy, and between the
// session's start and its end: the next start removes the key and the
// tree.
func TestCryptoErase_KillDuringSetupAndSession(t *testing.T) {
	t.Run("between_key_and_policy", func(t *testing.T) {
		h := newCryptHome(t, true)
		pol := h.policy(t, true, "[{path: '{downloads}'}]")
		cs := h.startService(t, raceBinary(t), pol, "ARDOISE_PAUSE_BEFORE_POLICY=30s")
		go cs.cli(h.uid, "session", "start", "--json")
		id := h.journaledKey(t)
		fresh, _ := filepath.Glob(filepath.Join(h.home, ".ardoise-new-*"))
		cs.kill()
		if len(fresh) != 1 {
			t.Fatalf("hidden folders at the kill: %q", fresh)
		}
		if s := keyStatus(t, h.home, id); s != cryptoerase.Present {
			t.Fatalf("key status at the kill: %v, want present (an orphan without recovery)", s)
		}
		cs = h.startService(t, ardoiseBinary(t), pol)
		if s := keyStatus(t, h.home, id); s != cryptoerase.Absent {
			t.Errorf("key status after the restart: %v, want absent\nagent:\n%s", s, cs.log.String())
		}
		if left, _ := filepath.Glob(filepath.Join(h.home, ".ardoise-new-*")); len(left) != 0 {
			t.Errorf("the folder made for the key is left: %q", left)
		}
		if fi, err := os.Stat(filepath.Join(h.home, "Downloads")); err != nil || !fi.IsDir() {
			t.Errorf("Downloads is gone: %v", err)
		}
		st := cs.startSession(t, h.uid)
		if r := cryptRoot(t, st, "Téléchargements"); r.Protection != ipc.ProtectionEncrypted {
			t.Errorf("the next session is not encrypted: %+v", r)
		}
		cs.endSession(t)
	})
	t.Run("between_start_and_end", func(t *testing.T) {
		h, pol, cs, dl, id := sessionWithDocs(t)
		cs.kill()
		if s := keyStatus(t, h.home, id); s != cryptoerase.Present {
			t.Fatalf("key status at the kill: %v", s)
		}
		cs = h.startService(t, ardoiseBinary(t), pol)
		if s := keyStatus(t, h.home, id); s != cryptoerase.Absent {
			t.Errorf("key status after the restart: %v, want absent\nagent:\n%s", s, cs.log.String())
		}
		if left := entries(t, dl); len(left) != 0 {
			t.Errorf("the tree is left after recovery: %d entries\nagent:\n%s", len(left), cs.log.String())
		}
		if left := entries(t, filepath.Join(h.home, ".cache/ardoise-tmp")); len(left) != 0 {
			t.Errorf("the temporary folder is left: %q", left)
		}
		cs.stop()
		h.detach(t)
		if h.imageHolds(t, cryptMarker) {
			t.Error("the raw disk holds the marker after the recovery")
		}
	})
}

// TestPolicyCheckSaysWhetherRootsCanBeEncrypted: "policy check
// --on-this-machine" says per root whether a session would encrypt it
// here, and if not why and what an admin can do; it changes nothing.
func TestPolicyCheckSaysWhetherRootsCanBeEncrypted(t *testing.T) {
	for _, encrypt := range []bool{true, false} {
		h := newCryptHome(t, encrypt)
		os.WriteFile(filepath.Join(h.home, "Documents", "guide.pdf"), []byte("guide"), 0o644)
		os.Mkdir(filepath.Join(h.home, "Desktop"), 0o755)
		os.Chown(filepath.Join(h.home, "Desktop"), h.uid, h.uid)
		before, _ := os.Stat(filepath.Join(h.home, "Downloads"))
		pol := h.policy(t, true, "[{path: '{downloads}'}, {path: '{documents}'}, {path: '{desktop}', protection: delete}]")
		code, out, stderr := run(t, "policy", "check", "--on-this-machine", pol)
		if code != exitOK {
			t.Errorf("encrypt=%v: exit %d\n%s%s", encrypt, code, out, stderr)
		}
		var want []string
		if encrypt {
			want = []string{
				"Téléchargements (" + filepath.Join(h.home, "Downloads") + "): watched\n      encrypted with a key for this session only",
				"Documents (" + filepath.Join(h.home, "Documents") + "): watched\n      only deleted at the end, not encrypted: it held files at session start",
			}
		} else {
			want = []string{
				"Téléchargements (" + filepath.Join(h.home, "Downloads") + "): watched\n      only deleted at the end, not encrypted: its file system cannot encrypt folders",
				"why: per-session encryption is not available here: the file system does not have the \"encrypt\" feature (ext4: tune2fs -O encrypt",
			}
		}
		want = append(want, "only deleted at the end, not encrypted: the policy says protection: delete")
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("encrypt=%v: missing %q in:\n%s", encrypt, w, out)
			}
		}
		after, _ := os.Stat(filepath.Join(h.home, "Downloads"))
		if !os.SameFile(before, after) {
			t.Error("the machine check replaced Downloads")
		}
		if left, _ := filepath.Glob(filepath.Join(h.home, ".ardoise-new-*")); len(left) != 0 {
			t.Errorf("the machine check made folders: %q", left)
		}
		h.detach(t)
		exec.Command("userdel", h.name).Run()
	}
}

// TestCryptoErase_RaceIntoTheOldFolder: while a session starts, a program
// of the kiosk account loops trying to create a file in Downloads, by path
// or from inside the folder (its current folder). Whenever it succeeds,
// its file is still in Downloads afterwards: the empty folder replaced by
// the encrypted one goes only if it is still empty, and otherwise
// everything is put back and the root only deleted (not_empty). The
// service is built with its check-to-act windows widened; 100 sessions.
func TestCryptoErase_RaceIntoTheOldFolder(t *testing.T) {
	h := newCryptHome(t, true)
	cs := h.startService(t, raceBinary(t), h.policy(t, true, "[{path: '{downloads}'}]"), "ARDOISE_RACE_WINDOW=rmdir=2ms,mkdir=1ms")
	dl := filepath.Join(h.home, "Downloads")
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	outcomes := map[string]int{}
	for i := 0; i < rounds; i++ {
		name := fmt.Sprintf("raced-%d", i)
		script := `set -C; end=$(($(date +%s)+3)); while [ $(date +%s) -lt $end ]; do : > "$1/$2" 2>/dev/null && { echo made; exit 0; }; done; echo never`
		if i%2 == 1 {
			script = `cd "$1" || exit 1; set -C; end=$(($(date +%s)+3)); while [ $(date +%s) -lt $end ]; do : > "$2" 2>/dev/null && { echo made; exit 0; }; done; echo never`
		}
		racer := runAs(h.uid, "/bin/sh", "-c", script, "sh", dl, name)
		var out bytes.Buffer
		racer.Stdout = &out
		if err := racer.Start(); err != nil {
			t.Fatal(err)
		}
		st := cs.startSession(t, h.uid)
		racer.Wait()
		r := cryptRoot(t, st, "Téléchargements")
		outcomes[r.Protection+"/"+r.ProtectionCode]++
		made := strings.TrimSpace(out.String()) == "made"
		if _, err := os.Lstat(filepath.Join(dl, name)); made && err != nil {
			t.Fatalf("round %d: the file the account made is not in Downloads any more (%v); protection %s/%s\nhome: %q\nagent:\n%s", i, err, r.Protection, r.ProtectionCode, entries(t, h.home), cs.log.String())
		}
		os.Remove(filepath.Join(dl, name))
		if left, _ := filepath.Glob(filepath.Join(h.home, ".ardoise-new-*")); len(left) != 0 {
			t.Fatalf("round %d: hidden folders left: %q\nagent:\n%s", i, left, cs.log.String())
		}
		cs.endSession(t)
	}
	t.Logf("outcomes over %d sessions: %v", rounds, outcomes)
}

// TestCryptoErase_FolderMovedAway: during the session the person moves the
// encrypted Téléchargements away and makes a new one at its name. The
// agent holds no descriptor of the encrypted folder at the end (it would
// keep the key), yet it finds it again by the kernel's handle: the moved
// folder is emptied where it is, the new one at the name is erased by the
// rules of the name (RC4), the key is destroyed and the receipt covers the
// folder. Before, the moved folder's documents were left (unreadable, but
// left) and the receipt said verified.
func TestCryptoErase_FolderMovedAway(t *testing.T) {
	h := newCryptHome(t, true)
	cs := h.startService(t, ardoiseBinary(t), h.policy(t, true, "[{path: '{downloads}'}]"))
	cs.startSession(t, h.uid)
	dl := filepath.Join(h.home, "Downloads")
	h.writeDocs(t, dl)
	if out, err := runAs(h.uid, "/bin/sh", "-c", `mv "$1/Downloads" "$1/Downloads.old" && mkdir "$1/Downloads" && echo x > "$1/Downloads/new.pdf"`, "sh", h.home).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	rep := cs.endSession(t)
	if !rep.Verified || rep.Key == nil || !rep.Key.Destroyed || !slices.Contains(rep.Key.Folders, "Téléchargements") {
		t.Errorf("report: verified %v, key %+v\nagent:\n%s", rep.Verified, rep.Key, cs.log.String())
	}
	if left := entries(t, filepath.Join(h.home, "Downloads.old")); len(left) != 0 {
		t.Errorf("the moved encrypted folder still holds %d entries of the session\nagent:\n%s", len(left), cs.log.String())
	}
	if _, err := os.Lstat(filepath.Join(dl, "new.pdf")); !os.IsNotExist(err) {
		t.Errorf("the document saved in the folder made at the name is left: %v", err)
	}
	if !strings.Contains(cs.log.String(), "the encrypted folder was moved during the session; it is wiped where it is now") {
		t.Errorf("the log does not say it:\n%s", cs.log.String())
	}
}

// sessionWithDocs starts the real service with an encrypted Téléchargements
// (Downloads), starts a session and writes documents there: what a crash
// test kills. It returns the policy to start the service again with, the
// folder and its key.
func sessionWithDocs(t *testing.T) (h *cryptHome, pol string, cs *cryptService, dl string, id cryptoerase.ID) {
	t.Helper()
	h = newCryptHome(t, true)
	pol = h.policy(t, true, "[{path: '{downloads}'}]")
	cs = h.startService(t, ardoiseBinary(t), pol)
	cs.startSession(t, h.uid)
	dl = filepath.Join(h.home, "Downloads")
	id = keyOf(t, dl)
	h.writeDocs(t, dl)
	return h, pol, cs, dl, id
}

// TestCryptoErase_FolderMovedAwayThenCrash: the kiosk account moves the
// encrypted Téléchargements away during the session, then the service is
// killed (kill -9). The next start removes the key and empties the moved
// folder where it is, found by the kernel handle journaled when the folder
// was made: before, it was left there (unreadable, but left).
func TestCryptoErase_FolderMovedAwayThenCrash(t *testing.T) {
	for _, c := range []struct {
		name, move, movedTo string
	}{
		{"beside", `mv "$1/Downloads" "$1/Downloads.old"`, "Downloads.old"},
		{"deeper", `mkdir -p "$1/a/b" && mv "$1/Downloads" "$1/a/b/c"`, "a/b/c"},
		{"deleted", `rm -rf "$1/Downloads"`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, pol, cs, dl, id := sessionWithDocs(t)
			if out, err := runAs(h.uid, "/bin/sh", "-c", c.move+` && mkdir "$1/Downloads" && echo x > "$1/Downloads/new.pdf"`, "sh", h.home).CombinedOutput(); err != nil {
				t.Fatalf("%v %s", err, out)
			}
			cs.kill()
			cs = h.startService(t, ardoiseBinary(t), pol)
			if s := keyStatus(t, h.home, id); s != cryptoerase.Absent {
				t.Errorf("key status after the restart: %v, want absent\nagent:\n%s", s, cs.log.String())
			}
			if _, err := os.Lstat(filepath.Join(dl, "new.pdf")); !os.IsNotExist(err) {
				t.Errorf("the document saved in the folder made at the name is left: %v", err)
			}
			log := cs.log.String()
			if c.movedTo == "" {
				if strings.Contains(log, "remove it by hand") || strings.Contains(log, "the folder moved away is not") {
					t.Errorf("the admin is told of a folder left, for one the person deleted:\n%s", log)
				}
				return
			}
			if left := entries(t, filepath.Join(h.home, c.movedTo)); len(left) != 0 {
				t.Errorf("the moved encrypted folder still holds %d entries of the session after the restart\nagent:\n%s", len(left), log)
			}
			if !strings.Contains(log, "moved away before the crash") {
				t.Errorf("the log does not say it:\n%s", log)
			}
		})
	}
}

// TestPlainFolderMovedAwayThenCrash: on a file system that cannot encrypt
// (the root is only deleted), the kiosk account moves Téléchargements away
// during the session and the service is killed (kill -9). The next start
// finds the folder by the kernel handle journaled at the session's start
// and wipes it where it is, by its baseline: the library's guide that was
// there before the session stays, the session's documents go; what stands
// at the name is wiped by the rules of the name. Before, the moved
// folder's documents were left, readable.
func TestPlainFolderMovedAwayThenCrash(t *testing.T) {
	h := newCryptHome(t, false)
	pol := h.policy(t, true, "[{path: '{downloads}'}]")
	dl := filepath.Join(h.home, "Downloads")
	guide := filepath.Join(dl, "guide-de-la-mediatheque.pdf")
	if out, err := runAs(h.uid, "/bin/sh", "-c", `echo guide > "$1"`, "sh", guide).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	cs := h.startService(t, ardoiseBinary(t), pol)
	cs.startSession(t, h.uid)
	h.writeDocs(t, dl)
	if out, err := runAs(h.uid, "/bin/sh", "-c", `mv "$1/Downloads" "$1/Downloads.old" && mkdir "$1/Downloads" && echo x > "$1/Downloads/new.pdf"`, "sh", h.home).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	cs.kill()
	cs = h.startService(t, ardoiseBinary(t), pol)
	log := cs.log.String()
	moved := filepath.Join(h.home, "Downloads.old")
	if left := entries(t, moved); len(left) != 1 || left[0] != "guide-de-la-mediatheque.pdf" {
		t.Errorf("the moved folder holds %q after the restart, want only the guide that was there before the session\nagent:\n%s", left, log)
	}
	if _, err := os.Lstat(filepath.Join(dl, "new.pdf")); !os.IsNotExist(err) {
		t.Errorf("the document saved in the folder made at the name is left: %v", err)
	}
	if !strings.Contains(log, "moved away before the crash") {
		t.Errorf("the log does not say it:\n%s", log)
	}
}
