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
