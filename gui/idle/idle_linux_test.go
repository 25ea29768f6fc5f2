package idle

import (
	"os/exec"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

// TestIdleUnderXvfb asks a real X server: idle time grows while nothing
// happens and falls back to almost nothing when the mouse moves.
func TestIdleUnderXvfb(t *testing.T) {
	for _, p := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skip(p + " is missing (Debian packages xvfb, xdotool)")
		}
	}
	display := xvfb.Start(t, "")
	t.Setenv("DISPLAY", display)

	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(1200 * time.Millisecond)
	before, err := s.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if before < time.Second {
		t.Errorf("idle %s after 1.2 s without input", before)
	}
	if out, err := exec.Command("xdotool", "mousemove", "100", "100").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	after, err := s.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if after >= before || after > 500*time.Millisecond {
		t.Errorf("idle %s after moving the mouse (was %s)", after, before)
	}

	t.Setenv("DISPLAY", "")
	if _, err := New(); err != ErrUnsupported {
		t.Errorf("without a display: %v", err)
	}
}
