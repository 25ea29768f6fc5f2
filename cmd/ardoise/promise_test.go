package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// TestKeyLine: the staff's receipt says the documents can never be read
// again only for a key the kernel reports destroyed; a key that is not
// says so, why, and that the documents were only deleted.
func TestKeyLine(t *testing.T) {
	if got := keyLine(nil); got != "" {
		t.Errorf("no key: %q", got)
	}
	ok := keyLine(&ipc.KeyReport{Folders: []string{"Téléchargements", "Numérisations"}, Destroyed: true})
	if !strings.Contains(ok, "destroyed: what it wrote in Téléchargements, Numérisations can never be read again") || strings.Contains(ok, "NOT") {
		t.Errorf("destroyed: %q", ok)
	}
	kept := keyLine(&ipc.KeyReport{Folders: []string{"Téléchargements"}, Code: "files_busy", Holders: 2, Reason: "deux programmes tiennent des fichiers ouverts"})
	for _, want := range []string{"NOT destroyed (files_busy, 2 programs still hold files open): deux programmes", "deleted, not made unreadable", "accounts.end_programs"} {
		if !strings.Contains(kept, want) {
			t.Errorf("not destroyed lacks %q: %q", want, kept)
		}
	}
	if strings.Contains(kept, "never be read again") {
		t.Errorf("a key not destroyed promises: %q", kept)
	}
}

// TestPrintPromiseChecks: an OK check is one line; one that fails says
// why and what to do, and is counted.
func TestPrintPromiseChecks(t *testing.T) {
	var b bytes.Buffer
	n := printPromiseChecks(&b, "", []agent.PromiseCheck{
		{Code: "swap", OK: true, Found: "no swap"},
		{Code: "hibernation", Found: "possible", Problem: "this computer can hibernate", Fix: "systemctl mask hibernate.target"},
	})
	want := "For encrypted folders to be unreadable for ever once a session ends:\n" +
		"  swap: ok — no swap\n" +
		"  hibernation: NOT OK — possible\n" +
		"    why: this computer can hibernate\n" +
		"    what to do: systemctl mask hibernate.target\n"
	if n != 1 || b.String() != want {
		t.Errorf("printed (%d failed):\n%s\nwant:\n%s", n, b.String(), want)
	}
}
