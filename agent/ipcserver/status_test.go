package ipcserver

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// TestEveryCodeHasAStatus keeps the status table whole: a code added to
// ipc without a status would be answered 500, as if the agent had failed.
func TestEveryCodeHasAStatus(t *testing.T) {
	codes := ipc.ErrorCodes()
	for _, c := range codes {
		if _, ok := statuses[c]; !ok {
			t.Errorf("error code %q has no HTTP status in statuses", c)
		}
	}
	for c := range statuses {
		if !slices.Contains(codes, c) {
			t.Errorf("statuses has %q, which is not in ipc.ErrorCodes", c)
		}
	}
}

// TestWriteErrorChoosesTheStatus checks that the status on the wire comes
// from the code, whatever the Error held, and that a shared error value
// is not changed by being answered.
func TestWriteErrorChoosesTheStatus(t *testing.T) {
	shared := ipc.Errorf(ipc.CodeWrongCode, "code incorrect (wrong staff code)")
	for range 2 {
		w := httptest.NewRecorder()
		writeError(w, shared)
		if w.Code != http.StatusForbidden {
			t.Errorf("wrong_code answered %d, want 403", w.Code)
		}
		if want := `"status": 403`; !strings.Contains(w.Body.String(), want) {
			t.Errorf("body %s lacks %s", w.Body, want)
		}
	}
	if shared.Status != 0 {
		t.Errorf("writeError changed the shared error's Status to %d", shared.Status)
	}
	w := httptest.NewRecorder()
	writeError(w, http.ErrBodyNotAllowed) // not an *Error: the agent failed
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), `"code": "internal"`) {
		t.Errorf("a plain error answered %d %s, want 500 internal", w.Code, w.Body)
	}
}
