//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/fstree"
)

// preexisting fills the scratch home with library files that must survive
// every session, and a sentinel folder outside the roots.
func (s *scratch) preexisting(t testing.TB) {
	t.Helper()
	files := map[string]string{
		"Desktop/Guide de la médiathèque.pdf": "guide",
		"Documents/Formulaires/CAF.pdf":       "formulaire",
		"Downloads/déjà là.txt":               "avant la session",
		"Pictures/affiche.png":                "png",
		"sentinel/secret.txt":                 "outside every root",
	}
	// A desktop home has these; the agent would create them at session
	// start otherwise (trash and thumbnails are wiped like roots).
	for _, d := range []string{".local/share/Trash", ".cache/thumbnails"} {
		if err := os.MkdirAll(filepath.Join(s.home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for p, c := range files {
		full := filepath.Join(s.home, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeBurst writes n files into dirs freshly created nested folders under
// root, as fast as possible, and returns the top folder it created.
func writeBurst(t testing.TB, root string, dirs, n int) string {
	t.Helper()
	top := filepath.Join(root, fmt.Sprintf("burst-%d", time.Now().UnixNano()))
	paths := make([]string, 0, dirs)
	for i := 0; i < dirs; i++ {
		// Five levels of nesting, new folders at every level.
		p := filepath.Join(top, fmt.Sprintf("a%d", i%10), fmt.Sprintf("b%d", i%50), fmt.Sprintf("c%d", i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(paths[i%dirs], fmt.Sprintf("f%05d.txt", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return top
}

// TestBurstWipe is the burst case of the agent-core issue: 20,000 files
// written as fast as possible into 500 freshly created nested folders during
// a session are all wiped, and no pre-existing file is touched; five times.
func TestBurstWipe(t *testing.T) {
	files, dirs, rounds := 20000, 500, 5
	if testing.Short() {
		files, dirs, rounds = 2000, 50, 2
	}
	s := newScratch(t)
	s.preexisting(t)
	before := fstree.Take(t, s.home)
	a := s.startAgent(t)
	id := ""
	for r := 0; r < rounds; r++ {
		st := s.awaitActive(t, a, id)
		id = st.SessionID
		writeBurst(t, filepath.Join(s.home, "Downloads"), dirs, files)
		// The watcher of the running agent sees every one of them.
		// Files, the c folders, the a and b folders above them, the top.
		want := files + dirs + min(10, dirs) + min(50, dirs) + 1
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if st, _ = s.status(t); st.Counts.Entries >= want {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st.Counts.Entries != want {
			t.Errorf("round %d: the watcher saw %d entries, want %d", r, st.Counts.Entries, want)
		}
		code, out, stderr := s.cli(t, "session", "end", "--json")
		if code != 0 {
			t.Fatalf("round %d: session end: exit %d\n%s%s\nagent:\n%s", r, code, out, stderr, a.stderr.String())
		}
		if !strings.Contains(out, `"verified": true`) {
			t.Errorf("round %d: wipe not verified:\n%s", r, out)
		}
		before.AssertSame(t, s.home)
		if t.Failed() {
			t.Logf("round %d: home after the wipe", r)
			break
		}
		if code, _, stderr := s.cli(t, "session", "start"); code != 0 {
			t.Fatalf("session start: %s", stderr)
		}
	}
	a.stop(t)
}

// TestCrashRecovery kills the agent with SIGKILL at random points, during
// sessions and during wipes, restarts it, and checks that every session entry
// is gone and nothing pre-existing was touched.
func TestCrashRecovery(t *testing.T) {
	iterations := 50
	if testing.Short() {
		iterations = 10
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	s := newScratch(t)
	s.preexisting(t)
	before := fstree.Take(t, s.home)

	id := ""
	for i := 0; i < iterations; i++ {
		if rng.IntN(4) == 0 {
			// Kill during start-up: while the previous session is being
			// recovered, or while the new one records its baseline (B9).
			a := s.startAgent(t)
			time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
			a.kill(t)
		}
		a := s.startAgent(t)
		st := s.awaitActive(t, a, id)
		id = st.SessionID
		// The previous iteration's session was recovered and wiped before
		// this one started.
		before.AssertSame(t, s.home)
		if t.Failed() {
			t.Logf("iteration %d: home after recovery; agent stderr:\n%s", i, a.stderr.String())
			return
		}
		writeBurst(t, filepath.Join(s.home, "Downloads"), 1+rng.IntN(20), 1+rng.IntN(300))
		writeBurst(t, filepath.Join(s.home, "Desktop"), 1, 1+rng.IntN(5))
		if rng.IntN(2) == 0 {
			// Kill during the wipe: ask for the end, then kill after a
			// random delay.
			end := s.command(t, "session", "end")
			if err := end.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			a.kill(t)
			// The client must not outlive this agent and reach the next.
			end.Process.Kill()
			end.Wait()
			continue
		}
		// Kill during the session. Files created while the agent is down
		// belong to the unfinished session too (threats.md C4).
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		a.kill(t)
		if err := os.WriteFile(filepath.Join(s.home, "Downloads", fmt.Sprintf("during-crash-%d.pdf", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := s.startAgent(t)
	s.awaitActive(t, a, id)
	if !t.Failed() {
		t.Logf("checking %s", "home after the last recovery")
	}
	before.AssertSame(t, s.home)
	a.stop(t)
}
