package safefs

import "testing"

// The tags are those Windows puts on the entries of threats.md W1 (a
// junction), W2 (a junction to \RPC Control is still a junction), W4 (the
// Config.Msi junction), W12 (OneDrive placeholders) and the ones an
// ordinary profile holds (deduplication, app execution aliases).
func TestClassifyReparse(t *testing.T) {
	for _, c := range []struct {
		name string
		tag  uint32
		want ReparseKind
	}{
		{"none", 0, NotReparse},
		{"junction or mount point (W1, W2, W4)", 0xA0000003, ReparseLink},
		{"symbolic link", 0xA000000C, ReparseLink},
		{"other name surrogate (a future link type)", 0xA0001234, ReparseLink},
		{"OneDrive placeholder IO_REPARSE_TAG_CLOUD (W12)", 0x9000001A, ReparseCloud},
		{"OneDrive IO_REPARSE_TAG_CLOUD_3", 0x9000301A, ReparseCloud},
		{"IO_REPARSE_TAG_CLOUD_F", 0x9000F01A, ReparseCloud},
		{"deduplication", 0x80000013, ReparseOther},
		{"app execution alias", 0x8000001B, ReparseOther},
		{"WSL unix socket", 0x80000023, ReparseOther},
		{"cloud-like tag without the cloud bits", 0x9000001B, ReparseOther},
	} {
		if got := ClassifyReparse(c.tag); got != c.want {
			t.Errorf("%s (%#x): got %v, want %v", c.name, c.tag, got, c.want)
		}
	}
}
