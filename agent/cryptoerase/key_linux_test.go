package cryptoerase

import (
	"bytes"
	"testing"
)

func TestKeyIsRandomAndWiped(t *testing.T) {
	a, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.raw(), b.raw()) || bytes.Equal(a.raw(), make([]byte, KeySize)) {
		t.Fatal("two fresh keys are equal, or a key is all zeros")
	}
	t.Logf("memfd_secret: %v", a.Secret())
	page := a.page
	a.Destroy()
	b.Destroy()
	if a.page != nil {
		t.Fatal("Destroy kept the page")
	}
	_ = page // unmapped: reading it would fault, which is the point
	if _, err := Add(nil, a); err == nil {
		t.Fatal("Add with a destroyed key succeeded")
	}
}
