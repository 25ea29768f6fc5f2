package session

import (
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// TestStatesAreTheWire ties the lifecycle's states to the wire's: every
// state the transition table knows has its name in ipc.States, in the same
// order, and the wire has no state the lifecycle lacks (a window waiting
// for a state the agent never enters would wait for ever).
func TestStatesAreTheWire(t *testing.T) {
	wire := ipc.States()
	var states []State
	for from, tos := range transitions {
		for _, s := range append([]State{from}, tos...) {
			if !slices.Contains(states, s) {
				states = append(states, s)
			}
		}
	}
	slices.Sort(states)
	if len(states) != len(wire) {
		t.Errorf("the lifecycle has %d states %v, the wire %d %v", len(states), states, len(wire), wire)
	}
	for i, s := range states {
		if State(i) != s {
			t.Errorf("state %d (%s) is not in the transition table", i, State(i))
		}
		if i >= len(wire) || s.String() != wire[i] {
			t.Errorf("state %d is %q here; ipc.States has %v", i, s.String(), wire)
		}
	}
}
