package staffcode

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("4821")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256:300000:") {
		t.Errorf("hash = %s", h)
	}
	h2, _ := Hash("4821")
	if h == h2 {
		t.Error("two hashes of one code are equal: no salt")
	}
	for code, want := range map[string]bool{"4821": true, "4822": false, "": false, "4821 ": false} {
		if ok, err := Verify(h, code); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", code, ok, err, want)
		}
	}
	old := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("4821")))
	if ok, err := Verify(old, "4821"); !ok || err != nil {
		t.Errorf("the sha256 form is refused: %v %v", ok, err)
	}
	if ok, _ := Verify(old, "1234"); ok {
		t.Error("a wrong code matched the sha256 form")
	}
	for _, bad := range []string{"", "md5:abc", "sha256:zz", "pbkdf2-sha256:0:00:00", "pbkdf2-sha256:1000:00", "pbkdf2-sha256:99999999999:00:" + strings.Repeat("0", 64)} {
		if _, err := Verify(bad, "x"); err == nil {
			t.Errorf("Verify accepted the hash %q", bad)
		}
	}
}

func TestLimiter(t *testing.T) {
	var l Limiter
	now := time.Unix(1e9, 0)
	for i := 0; i < 2; i++ {
		l.Fail(now)
		if ok, _ := l.Allow(now); !ok {
			t.Fatalf("blocked after %d wrong codes", i+1)
		}
	}
	l.Fail(now) // the third
	if ok, wait := l.Allow(now); ok || wait != 30*time.Second {
		t.Fatalf("after 3 wrong codes: allowed %v, wait %v", ok, wait)
	}
	now = now.Add(31 * time.Second)
	if ok, _ := l.Allow(now); !ok {
		t.Fatal("still blocked after the wait")
	}
	l.Fail(now)
	if _, wait := l.Allow(now); wait != time.Minute {
		t.Errorf("second wait %v, want doubled", wait)
	}
	for i := 0; i < 10; i++ {
		l.Fail(now)
	}
	if _, wait := l.Allow(now); wait != 10*time.Minute {
		t.Errorf("wait %v, want the 10-minute cap", wait)
	}
	l.Succeed()
	if ok, _ := l.Allow(now); !ok {
		t.Error("a right code did not reset the limiter")
	}
}
