package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A recorded table: a USB key, an SMB share, an sshfs mount, the root
// file system and a home on ext4, with a space escaped in a mount point.
const recordedMountInfo = `22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
30 22 8:3 / /home rw,relatime shared:2 - ext4 /dev/sda3 rw
41 30 8:17 / /home/kiosk/Cl\040USB rw,nosuid,nodev shared:9 - vfat /dev/sdb1 rw,uid=1000
42 30 0:55 / /home/kiosk/Partage rw,relatime shared:10 - cifs //srv/partage rw
43 30 0:56 / /home/kiosk/Distant rw,nosuid shared:11 - fuse.sshfs kiosk@serveur: rw
`

func TestParseMountInfo(t *testing.T) {
	ms, err := ParseMountInfo([]byte(recordedMountInfo))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 {
		t.Fatalf("got %d mounts, want 5", len(ms))
	}
	key := ms[2]
	if key.ID != 41 || key.Parent != 30 || key.Point != "/home/kiosk/Cl USB" || key.FSType != "vfat" || key.Source != "/dev/sdb1" {
		t.Errorf("USB key line read as %+v", key)
	}
	if key.Dev != unix.Mkdev(8, 17) {
		t.Errorf("USB key device %d, want 8:17", key.Dev)
	}
	if _, err := ParseMountInfo([]byte("41 30 8:17 / /x rw shared:9\n")); err == nil {
		t.Error("a line without the - separator was accepted")
	}
}

func TestMediumVerdict(t *testing.T) {
	ms, err := ParseMountInfo([]byte(recordedMountInfo))
	if err != nil {
		t.Fatal(err)
	}
	home, usb, smb, sshfs := ms[1], ms[2], ms[3], ms[4]
	for _, c := range []struct {
		name      string
		m         Mount
		anchor    uint64
		removable bool
		rules     MediumRules
		want      error
	}{
		{"home folder", home, home.ID, false, MediumRules{}, nil},
		{"USB key by type", usb, 0, false, MediumRules{}, ErrRemovableMedium},
		{"SMB share", smb, 0, false, MediumRules{}, ErrRemovableMedium},
		{"sshfs (any fuse.*)", sshfs, 0, false, MediumRules{}, ErrRemovableMedium},
		{"ext4 disk the kernel calls removable", home, 0, true, MediumRules{}, ErrRemovableMedium},
		{"share the policy allows", smb, 0, false, MediumRules{AllowSources: []string{"//srv/partage"}}, nil},
		{"another mount than the home", home, 99, false, MediumRules{}, ErrOtherMount},
	} {
		if err := mediumVerdict(c.m, c.m.ID, c.anchor, c.removable, c.rules); !errors.Is(err, c.want) && !(err == nil && c.want == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestCheckMediumRealMount mounts a real file system and checks the
// verdict from the kernel's own table: tmpfs passes by default, is refused
// when counted as removable, and is another mount than its parent.
func TestCheckMediumRealMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a file system")
	}
	base := t.TempDir()
	point := filepath.Join(base, "key")
	must(t, os.Mkdir(point, 0o755))
	if err := unix.Mount("tmpfs", point, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(point, unix.MNT_DETACH) })

	parent, err := OpenRoot(base, RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	key, err := OpenRoot(point, RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()

	m, err := key.Mount()
	if err != nil || m.FSType != "tmpfs" || m.Point != point {
		t.Fatalf("Mount() = %+v, %v; want the tmpfs at %s", m, err, point)
	}
	if err := CheckMedium(key, nil, MediumRules{}); err != nil {
		t.Errorf("tmpfs with the default rules: %v", err)
	}
	if err := CheckMedium(key, nil, MediumRules{RemovableTypes: []string{"tmpfs"}}); !errors.Is(err, ErrRemovableMedium) {
		t.Errorf("tmpfs counted as removable: %v, want ErrRemovableMedium", err)
	}
	if err := CheckMedium(key, parent, MediumRules{}); !errors.Is(err, ErrOtherMount) {
		t.Errorf("tmpfs below another file system: %v, want ErrOtherMount", err)
	}
	if err := CheckMedium(parent, parent, MediumRules{}); err != nil {
		t.Errorf("a folder against itself: %v", err)
	}
}
