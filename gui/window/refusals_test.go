package window

import (
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// TestEveryErrorCodeHasAText checks that the window has words, in French
// and in every language it offers, for every code the agent can refuse
// with, and no entry for a code the agent does not send.
func TestEveryErrorCodeHasAText(t *testing.T) {
	codes := ipc.ErrorCodes()
	for _, c := range codes {
		if _, ok := refusalText[c]; !ok {
			t.Errorf("error code %q has no text in refusalText", c)
		}
	}
	for c := range refusalText {
		if !slices.Contains(codes, c) {
			t.Errorf("refusalText has %q, which is not in ipc.ErrorCodes", c)
		}
	}
	for _, lang := range i18n.Order {
		cat, err := i18n.New(lang)
		if err != nil {
			t.Fatal(err)
		}
		for c, key := range refusalText {
			if cat.T(key) == key {
				t.Errorf("%s: the text %q for code %q is missing", lang, key, c)
			}
		}
	}
}

// TestRefusalKey checks the lookup itself: the agent's code, wrapped as
// the client returns it, picks its text; anything else the general one.
func TestRefusalKey(t *testing.T) {
	wrong := &ipc.AccessDeniedError{Err: &ipc.Error{Status: 403, Code: ipc.CodeWrongCode}}
	if k := refusalKey(wrong); k != "accompany.wrong_code" {
		t.Errorf("wrong_code gives %q", k)
	}
	if k := refusalKey(&ipc.Error{Status: 429, Code: ipc.CodeTooManyAttempts}); k != "accompany.wait" {
		t.Errorf("too_many_attempts gives %q", k)
	}
	if k := refusalKey(ipc.ErrAgentNotRunning); k != "accompany.failed" {
		t.Errorf("the agent not running gives %q", k)
	}
}
