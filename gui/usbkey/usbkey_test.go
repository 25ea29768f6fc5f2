package usbkey

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFindKeysInTheMountTable(t *testing.T) {
	table := `22 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw
41 22 8:17 / /media/public/CLE\040MARIE rw,nosuid - vfat /dev/sdb1 rw
42 22 8:33 / /run/media/public/DATA rw - exfat /dev/sdc1 rw
43 22 8:49 / /media/other/KEY rw - vfat /dev/sdd1 rw
44 22 0:50 / /media/public/SHARE rw - cifs //srv/x rw
45 22 8:65 / /media/public/CLE/sub rw - vfat /dev/sde1 rw
`
	keys := parse([]byte(table), "public")
	if len(keys) != 2 || keys[0].Path != "/media/public/CLE MARIE" || keys[0].Label != "CLE MARIE" || keys[1].Label != "DATA" {
		t.Errorf("keys %+v; want CLE MARIE and DATA only", keys)
	}
}

func TestCopyNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	key := Key{Path: filepath.Join(dir, "key")}
	os.Mkdir(key.Path, 0o755)
	src := filepath.Join(dir, "Attestation CAF.pdf")
	os.WriteFile(src, []byte("new"), 0o600)
	os.WriteFile(filepath.Join(key.Path, "Attestation CAF.pdf"), []byte("old"), 0o644)

	dst, err := Copy(src, key)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dst) != "Attestation CAF (2).pdf" {
		t.Errorf("copied to %s", dst)
	}
	if b, _ := os.ReadFile(filepath.Join(key.Path, "Attestation CAF.pdf")); string(b) != "old" {
		t.Error("the key's own file was replaced")
	}
	if b, _ := os.ReadFile(dst); string(b) != "new" {
		t.Errorf("copy holds %q", b)
	}

	link := filepath.Join(dir, "link.pdf")
	os.Symlink(src, link)
	if _, err := Copy(link, key); err == nil {
		t.Error("a link was followed")
	}
	if _, err := Copy(key.Path, key); !errors.Is(err, ErrNotAFile) {
		t.Errorf("a folder: %v", err)
	}
}
