package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestRC2_DeleteByHandleChecksIdentity: on Windows the entry a wipe judged
// is deleted through a handle opened on its name, after that handle's
// identity is checked. When another file has taken the name (a swap
// between the check and the removal), nothing is deleted and the error
// says it was swapped; the same for a folder.
func TestRC2_DeleteByHandleChecksIdentity(t *testing.T) {
	dir := scratch(t)
	for _, n := range []string{"avis.pdf", "Guide.pdf"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "nouveau"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "Formulaires"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(dir, trustMe(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	q, _, err := root.OpenQuarantine()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	stat := func(n string) Info {
		in, err := root.Stat(n)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	doc, guide, made, forms := stat("avis.pdf"), stat("Guide.pdf"), stat("nouveau"), stat("Formulaires")

	// The name now holds the guide: what was judged (the download) is not
	// what the handle opens, so nothing goes.
	if err := root.RemoveExpect(q, "Guide.pdf", doc.Identity); !errors.Is(err, ErrSwapped) {
		t.Fatalf("RemoveExpect of a swapped name = %v, want ErrSwapped", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Guide.pdf")); err != nil {
		t.Fatalf("the guide was deleted: %v", err)
	}
	if err := root.RemoveDirExpect(q, "Formulaires", made.Identity); !errors.Is(err, ErrSwapped) {
		t.Fatalf("RemoveDirExpect of a swapped name = %v, want ErrSwapped", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Formulaires")); err != nil {
		t.Fatalf("the library's folder was removed: %v", err)
	}

	// The entries judged, at their own names, go.
	if err := root.RemoveExpect(q, "avis.pdf", doc.Identity); err != nil {
		t.Fatalf("RemoveExpect of the download: %v", err)
	}
	if err := root.RemoveDirExpect(q, "nouveau", made.Identity); err != nil {
		t.Fatalf("RemoveDirExpect of the session's folder: %v", err)
	}
	for _, n := range []string{"avis.pdf", "nouveau"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", n, err)
		}
	}
	_, _ = guide, forms
}
