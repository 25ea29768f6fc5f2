package safefs

import (
	"reflect"
	"slices"
	"testing"
)

// TestDirAPIIsTheWholeMethodSet keeps dirAPI the list of every exported
// method of Dir: each OS's file checks its Dir against dirAPI at compile
// time, so a method added to one OS's Dir and not to dirAPI would escape
// that check on the others. It runs on Linux and, under Wine, on Windows.
func TestDirAPIIsTheWholeMethodSet(t *testing.T) {
	exported := func(ty reflect.Type) []string {
		var out []string
		for i := range ty.NumMethod() {
			if m := ty.Method(i); m.IsExported() {
				out = append(out, m.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	dir := exported(reflect.TypeOf((*Dir)(nil)))
	api := exported(reflect.TypeOf((*dirAPI)(nil)).Elem())
	for _, m := range dir {
		if !slices.Contains(api, m) {
			t.Errorf("Dir has %s, which dirAPI does not list", m)
		}
	}
	if len(dir) != len(api) || len(api) < 30 {
		t.Errorf("Dir has %d exported methods, dirAPI %d:\n%v\n%v", len(dir), len(api), dir, api)
	}
}
