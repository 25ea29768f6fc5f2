package wipe

import (
	"context"
	"fmt"
	"testing"
)

// TestProgressCountsDocuments: the progress the window shows counts
// documents (files), as the final screen does, not the folders removed
// with them: 100 new folders of 3 files each are 300 documents.
func TestProgressCountsDocuments(t *testing.T) {
	e := newEnv(t, ".")
	e.start()
	for d := range 100 {
		for f := range 3 {
			write(t, e.path(fmt.Sprintf("Dossier %03d/doc %d.pdf", d, f)), "%PDF")
		}
	}
	cfg := e.config()
	type call struct{ removed, docs int }
	var calls []call
	cfg.Progress = func(removed, docs int) { calls = append(calls, call{removed, docs}) }
	res := Run(context.Background(), cfg)
	e.assertVerified(res)
	if res.Removed.Files != 300 || res.Removed.Dirs != 100 {
		t.Fatalf("removed %+v", res.Removed)
	}
	if len(calls) == 0 {
		t.Fatal("no progress for 400 removals")
	}
	for _, c := range calls {
		// Each folder goes after its 3 files: at most a quarter of what
		// was removed are folders, and at least one is by the 256th.
		if c.docs >= c.removed || c.docs < c.removed*3/4 {
			t.Errorf("progress says %d documents for %d entries removed", c.docs, c.removed)
		}
	}
}
