package agent

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/userdirs"
)

// Kiosk accounts: exact names on Linux; on Windows DOMAIN\name, with or
// without the domain in the policy, whatever the case.
func TestIsKiosk(t *testing.T) {
	for _, c := range []struct {
		kiosk []string
		u     userdirs.User
		want  bool
	}{
		{[]string{"public"}, userdirs.User{Name: "public"}, true},
		{[]string{"public"}, userdirs.User{Name: "Public"}, false}, // Linux names are exact
		{[]string{"lecteur"}, userdirs.User{Name: `PC-BIBLI\lecteur`, SID: "S-1-5-21-1-2-3-1001"}, true},
		{[]string{"Lecteur"}, userdirs.User{Name: `PC-BIBLI\lecteur`, SID: "S-1-5-21-1-2-3-1001"}, true},
		{[]string{`pc-bibli\lecteur`}, userdirs.User{Name: `PC-BIBLI\lecteur`, SID: "S-1-5-21-1-2-3-1001"}, true},
		{[]string{`AUTRE-PC\lecteur`}, userdirs.User{Name: `PC-BIBLI\lecteur`, SID: "S-1-5-21-1-2-3-1001"}, false},
		{[]string{"lecteur"}, userdirs.User{Name: `PC-BIBLI\bibliothecaire`, SID: "S-1-5-21-1-2-3-1002"}, false},
	} {
		if got := isKiosk(c.kiosk, c.u); got != c.want {
			t.Errorf("%q, %q: %v, want %v", c.kiosk, c.u.Name, got, c.want)
		}
	}
}
