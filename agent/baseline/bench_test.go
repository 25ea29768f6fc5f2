package baseline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

var (
	treeOnce sync.Once
	treeDir  string
)

// tree100k is a root holding 100,000 pre-existing files in 1,000 folders
// nested two levels deep, built once per benchmark run (and removed by
// TestMain).
func tree100k(b *testing.B) string {
	treeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ardoise-baseline-bench-")
		if err != nil {
			b.Fatal(err)
		}
		for d := 0; d < 1000; d++ {
			sub := filepath.Join(dir, fmt.Sprintf("a%d", d%10), fmt.Sprintf("d%03d", d))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
			for f := 0; f < 100; f++ {
				if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%02d", f)), nil, 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		treeDir = dir
	})
	return treeDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if treeDir != "" {
		os.RemoveAll(treeDir)
	}
	os.Exit(code)
}

// BenchmarkBaseline100k records the baseline of a root holding 100,000
// files (target: under 1 s per operation). BenchmarkBaseline100kFindReference
// walks the same tree with find(1) in the same run, for comparison.
func BenchmarkBaseline100k(b *testing.B) {
	d, err := safefs.OpenRoot(tree100k(b), safefs.RootOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Take(context.Background(), []*safefs.Dir{d})
		if err != nil || s.Len() != 101010 {
			b.Fatalf("Take: %v entries, %v", s.Len(), err)
		}
	}
}

// BenchmarkBaseline100kFindReference is the reference: find listing and
// stat-ing the same tree without printing anything.
func BenchmarkBaseline100kFindReference(b *testing.B) {
	dir := tree100k(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command("find", dir, "-printf", "").CombinedOutput(); err != nil {
			b.Fatalf("find: %v %s", err, out)
		}
	}
}
