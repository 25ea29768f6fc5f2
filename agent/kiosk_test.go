package agent

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/userdirs"
)

// Kiosk accounts: exact names on Linux; on Windows DOMAIN\name whatever
// the case, and the name alone for the computer's own accounts only.
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
		{[]string{"lecteur"}, userdirs.User{Name: `MEDIATHEQUE\lecteur`, SID: "S-1-5-21-9-9-9-1105"}, false}, // a domain account
		{[]string{`MEDIATHEQUE\lecteur`}, userdirs.User{Name: `MEDIATHEQUE\lecteur`, SID: "S-1-5-21-9-9-9-1105"}, true},
	} {
		if got := isKiosk(c.kiosk, c.u, "PC-BIBLI"); got != c.want {
			t.Errorf("%q, %q: %v, want %v", c.kiosk, c.u.Name, got, c.want)
		}
	}
}
