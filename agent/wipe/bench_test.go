package wipe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// makeTree10k writes 10,000 small files in 200 folders under dir.
func makeTree10k(b *testing.B, dir string) {
	b.Helper()
	for d := 0; d < 200; d++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := 0; f < 50; f++ {
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%02d.txt", f)), []byte("small file"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWipe10k measures the wipe (classification, deletion and the
// verification scan) of 10,000 small files in 200 folders. Compare with
// BenchmarkRmRf10k, run in the same 'go test -bench' invocation.
func BenchmarkWipe10k(b *testing.B) {
	base := b.TempDir()
	uid := uint32(os.Getuid())
	empty, err := baseline.Take(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(base, fmt.Sprint(i))
		makeTree10k(b, filepath.Join(root, "tree"))
		d, err := safefs.OpenRoot(root, safefs.RootOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res := Run(context.Background(), Config{Roots: []Root{{Dir: d, Scope: "session", Owners: []uint32{uid}}}, Baseline: empty})
		b.StopTimer()
		d.Close()
		if !res.Verified || res.Removed.Files != 10000 {
			b.Fatalf("wipe: %+v", res)
		}
	}
}

// BenchmarkRmRf10k is the reference: rm -rf on an identical tree.
func BenchmarkRmRf10k(b *testing.B) {
	base := b.TempDir()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(base, fmt.Sprint(i))
		makeTree10k(b, filepath.Join(root, "tree"))
		b.StartTimer()
		if out, err := exec.Command("rm", "-rf", filepath.Join(root, "tree")).CombinedOutput(); err != nil {
			b.Fatalf("rm -rf: %v %s", err, out)
		}
	}
}

// benchUID owns the trees of the kiosk benchmarks: as on a public
// computer, the session's files are not the agent's, so the wipe closes
// each session folder to the public and removes what lies directly in the
// root through the quarantine (R2). 65534 is "nobody"; no account needed.
const benchUID = 65534

func chownTree(b *testing.B, dir string) {
	b.Helper()
	if out, err := exec.Command("chown", "-R", fmt.Sprintf("%d:%d", benchUID, benchUID), dir).CombinedOutput(); err != nil {
		b.Fatalf("chown: %v %s", err, out)
	}
}

func benchKioskWipe(b *testing.B, makeTree func(b *testing.B, dir string), closeRoot bool) {
	if os.Geteuid() != 0 {
		b.Skip("needs root, as the agent: the tree belongs to another account")
	}
	base := b.TempDir()
	empty, err := baseline.Take(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(base, fmt.Sprint(i))
		makeTree(b, root)
		chownTree(b, root)
		d, err := safefs.OpenRoot(root, safefs.RootOptions{TrustedUIDs: []uint32{benchUID}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res := Run(context.Background(), Config{Roots: []Root{{Dir: d, Scope: "session", Owners: []uint32{benchUID}, CloseDuringWipe: closeRoot}}, Baseline: empty})
		b.StopTimer()
		d.Close()
		if !res.Verified || res.Removed.Files != 10000 {
			b.Fatalf("wipe: %+v", res)
		}
	}
}

// BenchmarkWipe10kKiosk is BenchmarkWipe10k on a tree of another account,
// as on a public computer.
func BenchmarkWipe10kKiosk(b *testing.B) {
	benchKioskWipe(b, func(b *testing.B, dir string) { makeTree10k(b, filepath.Join(dir, "tree")) }, true)
}

// makeFlat10k writes 10,000 small files directly in dir: the worst case of
// the quarantine, where every file is moved before it is removed.
func makeFlat10k(b *testing.B, dir string) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for f := 0; f < 10000; f++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.txt", f)), []byte("small file"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWipeFlat10kKiosk wipes 10,000 files lying directly in a root of
// another account, closed to the public during the wipe as the agent does
// for Téléchargements. Compare with BenchmarkRmRfFlat10k.
func BenchmarkWipeFlat10kKiosk(b *testing.B) { benchKioskWipe(b, makeFlat10k, true) }

// BenchmarkWipeFlat10kQuarantine is the same with the root left open (a
// home, a shared folder): every file goes through the quarantine, the
// wipe's worst case.
func BenchmarkWipeFlat10kQuarantine(b *testing.B) { benchKioskWipe(b, makeFlat10k, false) }

// BenchmarkRmRfFlat10k is the reference: rm -rf on an identical folder
// (which removes the folder too: one entry more than the wipe).
func BenchmarkRmRfFlat10k(b *testing.B) {
	base := b.TempDir()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(base, fmt.Sprint(i))
		makeFlat10k(b, filepath.Join(root, "flat"))
		b.StartTimer()
		if out, err := exec.Command("rm", "-rf", filepath.Join(root, "flat")).CombinedOutput(); err != nil {
			b.Fatalf("rm -rf: %v %s", err, out)
		}
	}
}
