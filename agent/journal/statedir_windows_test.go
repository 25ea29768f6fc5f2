package journal

import (
	"slices"
	"testing"

	"golang.org/x/sys/windows"
)

// S2 on Windows: a state folder that lets another account write in it is
// refused. ProgramData's own access list, which a new folder inherits,
// lets every user (BUILTIN\Users) add files: the reason MakeStateDir
// gives the folder a protected list of its own. The lists are built from
// SDDL here, since Wine keeps none on disk.
func TestS2_WindowsStateDirWriters(t *testing.T) {
	const self = "S-1-5-21-1-2-3-1001"
	trusted := func(sid string) bool { return sid == self || sid == sidSystem || sid == sidAdministrators }
	for _, c := range []struct {
		name, sddl string
		want       []string
	}{
		{"made by MakeStateDir", "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + self + ")", nil},
		{"inherited from ProgramData", "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;0x116;;;BU)", []string{"S-1-5-32-545"}},
		{"everyone may change the list", "D:(A;;FA;;;SY)(A;;WD;;;WD)", []string{"S-1-1-0"}},
		{"read for everyone is fine", "D:(A;;FA;;;SY)(A;;FR;;;WD)", nil},
		{"a deny entry is fine", "D:(D;;FA;;;WD)(A;;FA;;;SY)", nil},
		{"no access list at all", "O:SY", []string{"everyone (no access list)"}},
	} {
		sd, err := windows.SecurityDescriptorFromString(c.sddl)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := writers(sd, trusted); !slices.Equal(got, c.want) {
			t.Errorf("%s: writers %q, want %q", c.name, got, c.want)
		}
	}
}
