package policies

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRC13_RefusalQuotesNoContent: a file that is not a policy (a shadow
// file, a token file) is refused without one of its lines in the message,
// and in a policy an odd key is only quoted short and escaped. Load
// refuses a link and a FIFO without reading through them (R14).
func TestRC13_RefusalQuotesNoContent(t *testing.T) {
	shadow := "root:$y$j9T$r13secret$abcdefghijkl:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n"
	tokens := "api_token: r13-hunter2\n"
	for _, src := range []string{shadow, tokens} {
		_, err := Parse("p.yaml", []byte(src))
		if err == nil {
			t.Fatalf("accepted %q", src)
		}
		for _, line := range strings.Split(strings.TrimSpace(src), "\n") {
			if strings.Contains(err.Error(), line) || strings.Contains(err.Error(), "r13") {
				t.Errorf("the refusal repeats the file's content:\n%s", err)
			}
		}
		if !strings.Contains(err.Error(), "not an Ardoise policy") {
			t.Errorf("the refusal does not say the file is not a policy:\n%s", err)
		}
	}
	long := "version: 1\nroots: [{path: '{downloads}'}]\n\"odd\\u001b[31m key " + strings.Repeat("x", 200) + "\": 1\n"
	_, err := Parse("p.yaml", []byte(long))
	if err == nil || strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), strings.Repeat("x", 61)) {
		t.Errorf("an odd key is not quoted short and escaped:\n%v", err)
	}

	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte(tokens), 0o600)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink(secret, link)
	if _, err := Load(link); err == nil || !strings.Contains(err.Error(), "symbolic link") || strings.Contains(err.Error(), "api_token") {
		t.Errorf("Load of a link: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("Load of a FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		os.WriteFile(fifo, nil, 0) // let the blocked open return
		t.Fatal("Load of a FIFO blocks")
	}
}
