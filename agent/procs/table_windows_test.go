package procs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// Windows' process table lists this very process with its owner's SID,
// start time and program: what the service tells a kiosk account in use
// by.
func TestWindowsProcessTable(t *testing.T) {
	list, err := System{}.List()
	if err != nil {
		t.Fatal(err)
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me, _ := os.Executable()
	for _, p := range list {
		if p.PID != os.Getpid() {
			continue
		}
		if p.Owner != u.User.Sid.String() || p.Start == 0 || !strings.EqualFold(filepath.Base(p.Exe), filepath.Base(me)) {
			t.Errorf("this process is listed as %+v; want owner %s and program %s", p, u.User.Sid, me)
		}
		return
	}
	t.Fatalf("this process (%d) is not in the %d listed", os.Getpid(), len(list))
}
