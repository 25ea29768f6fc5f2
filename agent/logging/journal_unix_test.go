//go:build unix

package logging

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestToJournal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	st := fi.Sys().(*syscall.Stat_t)
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "JOURNAL_STREAM" {
				return v
			}
			return ""
		}
	}
	if !ToJournal(env(fmt.Sprintf("%d:%d", st.Dev, st.Ino)), f) {
		t.Error("the journal's stream was not recognised")
	}
	if ToJournal(env(fmt.Sprintf("%d:%d", st.Dev, st.Ino+1)), f) || ToJournal(env(""), f) {
		t.Error("a redirected standard error was taken for the journal")
	}
}
