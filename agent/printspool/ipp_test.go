package printspool

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// wire builds expected bytes by hand, independently of encode: a tag, then
// a 16-bit length and the bytes of each string.
func wire(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case byte:
			b = append(b, p)
		case string:
			b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		default:
			panic("wire: unexpected part")
		}
	}
	return b
}

func getJobsRequest() *message {
	return newRequest(opGetJobs, 1, uriAttr("printer-uri", "ipp://localhost/"), "alice",
		keywordAttr("which-jobs", "all"),
		booleanAttr("my-jobs", true),
		keywordAttr("requested-attributes", "job-id", "job-state"),
	)
}

func TestEncodeGolden(t *testing.T) {
	got, err := getJobsRequest().encode()
	if err != nil {
		t.Fatal(err)
	}
	want := wire(
		[]byte{1, 1, 0x00, 0x0a, 0, 0, 0, 1}, // IPP/1.1, Get-Jobs, request 1
		byte(0x01),
		byte(0x47), "attributes-charset", "utf-8",
		byte(0x48), "attributes-natural-language", "en",
		byte(0x45), "printer-uri", "ipp://localhost/",
		byte(0x42), "requesting-user-name", "alice",
		byte(0x44), "which-jobs", "all",
		byte(0x22), "my-jobs", []byte{0, 1, 1},
		byte(0x44), "requested-attributes", "job-id",
		byte(0x44), "", "job-state", // second value of a 1setOf: empty name
		byte(0x03),
	)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded Get-Jobs:\n got %s\nwant %s", hex.EncodeToString(got), hex.EncodeToString(want))
	}
}

func TestRoundTrip(t *testing.T) {
	m := getJobsRequest()
	m.groups = append(m.groups,
		group{tagJobGroup, []attribute{
			integerAttr("job-id", 42),
			enumAttr("job-state", jobCompleted),
			integerAttr("negative", -7),
			booleanAttr("false", false),
		}},
		group{tagPrinterGroup, []attribute{keywordAttr("k", "a", "b", "c")}},
	)
	m.data = []byte("%!PS document data")
	b, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	jg := got.groups[1]
	val := func(name string) value {
		a, ok := jg.get(name)
		if !ok {
			t.Fatalf("no %s after the round trip", name)
		}
		v, _ := a.first()
		return v
	}
	if n, ok := val("job-id").integer(); !ok || n != 42 {
		t.Errorf("job-id = %d, %v", n, ok)
	}
	if n, ok := val("negative").integer(); !ok || n != -7 {
		t.Errorf("negative = %d, %v", n, ok)
	}
	if b, ok := val("false").boolean(); !ok || b {
		t.Errorf("false = %v, %v", b, ok)
	}
	// Again, to be sure encode(decode(b)) is b: nothing is lost or added.
	b2, err := got.encode()
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs (%v)", err)
	}
}

func TestDecodeTruncated(t *testing.T) {
	b, err := getJobsRequest().encode()
	if err != nil {
		t.Fatal(err)
	}
	// Every proper prefix lacks the end-of-attributes tag at least.
	for n := 0; n < len(b); n++ {
		if _, err := decode(b[:n]); err == nil {
			t.Fatalf("decode of the first %d of %d bytes: no error", n, len(b))
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"version 0":               {0, 0, 0, 0, 0, 0, 0, 1, 3},
		"attribute before group":  wire([]byte{1, 1, 0, 0, 0, 0, 0, 1}, byte(0x21), "n", []byte{0, 4, 0, 0, 0, 1}, byte(3)),
		"additional value first":  wire([]byte{1, 1, 0, 0, 0, 0, 0, 1, 1}, byte(0x21), "", []byte{0, 4, 0, 0, 0, 1}, byte(3)),
		"reserved delimiter 0x00": {1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 3},
		"value longer than input": wire([]byte{1, 1, 0, 0, 0, 0, 0, 1, 1}, byte(0x44), "k", []byte{0xff, 0xff, 'x'}),
		"name longer than input":  {1, 1, 0, 0, 0, 0, 0, 1, 1, 0x44, 0x10, 0x00, 'k'},
		"short extension tag":     {1, 1, 0, 0, 0, 0, 0, 1, 1, 0x7f, 0, 0},
	} {
		if _, err := decode(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := decode(make([]byte, maxMessageSize+1)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized message: %v", err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("x", 1<<16)
	for name, m := range map[string]*message{
		"long value":  newRequest(opGetJobs, 1, uriAttr("printer-uri", "ipp://localhost/"), long),
		"long name":   {major: 1, minor: 1, groups: []group{{tagOperationGroup, []attribute{keywordAttr(long, "v")}}}},
		"no value":    {major: 1, minor: 1, groups: []group{{tagOperationGroup, []attribute{{name: "n"}}}}},
		"bad group":   {major: 1, minor: 1, groups: []group{{tagEndOfAttributes, nil}}},
		"bad value":   {major: 1, minor: 1, groups: []group{{tagOperationGroup, []attribute{{"n", []value{{0x02, nil}}}}}}},
		"empty name":  {major: 1, minor: 1, groups: []group{{tagOperationGroup, []attribute{keywordAttr("", "v")}}}},
		"zero group":  {major: 1, minor: 1, groups: []group{{0, nil}}},
		"value group": {major: 1, minor: 1, groups: []group{{tagInteger, nil}}},
	} {
		if _, err := m.encode(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestValueText(t *testing.T) {
	withLang := wire("en", "alice")
	for _, tc := range []struct {
		v    value
		want string
		ok   bool
	}{
		{value{tagName, []byte("alice")}, "alice", true},
		{value{tagNameWithLanguage, withLang}, "alice", true},
		{value{tagNameWithLanguage, withLang[:len(withLang)-1]}, "", false},
		{value{tagNameWithLanguage, append(withLang, 'x')}, "", false},
		{value{tagNameWithLanguage, []byte{0, 9, 'e'}}, "", false},
		{value{tagNameWithLanguage, []byte{0}}, "", false},
		{value{tagInteger, []byte("alice")}, "", false},
	} {
		got, ok := tc.v.text()
		if got != tc.want || ok != tc.ok {
			t.Errorf("text of %v = %q, %v; want %q, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := (value{tagInteger, []byte{1, 2}}).integer(); ok {
		t.Error("integer of 2 bytes accepted")
	}
	if _, ok := (value{tagBoolean, []byte{1, 2}}).boolean(); ok {
		t.Error("boolean of 2 bytes accepted")
	}
}

func FuzzDecode(f *testing.F) {
	if b, err := getJobsRequest().encode(); err == nil {
		f.Add(b)
	}
	f.Add(wire([]byte{2, 0, 0, 0, 0, 0, 0, 3, 1}, byte(0x47), "attributes-charset", "utf-8", byte(2),
		byte(0x21), "job-id", []byte{0, 4, 0, 0, 0, 9},
		byte(0x23), "job-state", []byte{0, 4, 0, 0, 0, 9},
		byte(0x36), "job-originating-user-name", wire("en", "alice"),
		byte(0x34), "media-col", "", byte(0x4a), "", "media-size", byte(0x37), "", "", byte(3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must be usable without panicking, as PurgeUser
		// uses it.
		_ = statusError(m)
		for _, g := range m.groups {
			jobOf(g)
			for _, a := range g.attrs {
				for _, v := range a.values {
					v.text()
					v.integer()
					v.boolean()
				}
			}
		}
	})
}

func TestStatusError(t *testing.T) {
	ok := &message{code: 0x0001}
	if err := statusError(ok); err != nil {
		t.Errorf("successful-ok-ignored-or-substituted-attributes: %v", err)
	}
	bad := &message{code: 0x0507, groups: []group{{tagOperationGroup, []attribute{
		stringsAttr(tagText, "status-message", "Job #7 is already completed - can't cancel."),
	}}}}
	err := statusError(bad)
	if err == nil || !strings.Contains(err.Error(), "already completed") || !strings.Contains(err.Error(), "0x0507") {
		t.Errorf("statusError = %v", err)
	}
	if errors.Unwrap(err) != nil {
		t.Errorf("an IPP status is the cause, it wraps nothing: %v", err)
	}
}
