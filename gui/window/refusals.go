package window

import (
	"errors"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// refusalText is the catalogue key of what the person reads under the
// aidant's code when the agent refuses an accompanied session, for every
// code the agent can answer: a new code in agent/ipc is a decision about
// what the person reads, made here (TestEveryErrorCodeHasAText), not a
// fall-through.
//
// Only the aidant's own mistakes have words of their own; for the others
// the person can do nothing but ask staff, so the general text says the
// accompanied session did not start (the agent's log and the staff's
// command say why).
var refusalText = map[string]string{
	ipc.CodeWrongCode:       "accompany.wrong_code",
	ipc.CodeTooManyAttempts: "accompany.wait",

	ipc.CodeAccompaniedDisabled: "accompany.failed",
	ipc.CodePolicy:              "accompany.failed",
	ipc.CodeWipePending:         "accompany.failed",
	ipc.CodeJournal:             "accompany.failed",
	ipc.CodeUnsafeRoot:          "accompany.failed",
	ipc.CodeEmptiesHome:         "accompany.failed",
	ipc.CodeSystemAccount:       "accompany.failed",
	ipc.CodeNotKiosk:            "accompany.failed",
	ipc.CodeForbidden:           "accompany.failed",
	ipc.CodeConflict:            "accompany.failed",
	ipc.CodeNoSession:           "accompany.failed",
	ipc.CodeInternal:            "accompany.failed",
	// A window that sends what the agent cannot read, or a program
	// posing as one: a bug, not the person's doing.
	ipc.CodeBadRequest:   "accompany.failed",
	ipc.CodeUnknownField: "accompany.failed",
	ipc.CodeUnknownPeer:  "accompany.failed",
	ipc.CodeBrowser:      "accompany.failed",
	ipc.CodeNotFound:     "accompany.failed",
	ipc.CodeMethod:       "accompany.failed",
	ipc.CodeTooLarge:     "accompany.failed",
	ipc.CodeTooMany:      "accompany.failed",
}

// refusalKey returns the catalogue key for err, an answer of the agent to
// a session start; an error that is not the agent's (it does not answer)
// gets the general text.
func refusalKey(err error) string {
	var ie *ipc.Error
	if errors.As(err, &ie) {
		if k, ok := refusalText[ie.Code]; ok {
			return k
		}
	}
	return "accompany.failed"
}
