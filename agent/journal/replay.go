package journal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// replayed is Recovered plus where the last whole record ends.
type replayed struct {
	Recovered
	size int64
	keys []KeyFolder // every key record, destroyed or not
	gone map[string]bool
}

func (r *replayed) public() *Recovered {
	rec := r.Recovered
	rec.Keys = r.liveKeys()
	return &rec
}

func (r *replayed) liveKeys() []KeyFolder {
	var ks []KeyFolder
	for _, k := range r.keys {
		if !r.gone[k.Key] {
			ks = append(ks, k)
		}
	}
	return ks
}

// maxRecord bounds one record; anything larger is damage, not data.
const maxRecord = 1 << 20

// replay reads the journal at p. It returns nil when there is none or it is
// empty.
func replay(p string) (*replayed, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	r := &replayed{}
	off := 0
	for off < len(data) {
		if len(data)-off < 9 {
			r.Torn = true
			break
		}
		n := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n < 1 || n > maxRecord || off+8+n > len(data) || crc32.Checksum(data[off+8:off+8+n], crcT) != sum {
			// A torn or damaged record ends what can be trusted.
			r.Torn = true
			break
		}
		r.apply(data[off+8], data[off+9:off+8+n])
		off += 8 + n
	}
	r.size = int64(off)
	r.Keys = r.liveKeys()
	return r, nil
}

func (r *replayed) apply(typ byte, payload []byte) {
	switch typ {
	case recBegin:
		var s Session
		if err := json.Unmarshal(payload, &s); err != nil || s.ID == "" || !rootsValid(s.Roots) {
			r.Invalid++
			return
		}
		r.Recovered = Recovered{Session: s, Phase: Active, Invalid: r.Invalid}
	case recCreated:
		e, ok := decodeEntry(payload)
		if !ok || r.Session.ID == "" || e.Root >= len(r.Session.Roots) {
			r.Invalid++
			return
		}
		if len(r.Entries) < MaxEntries {
			r.Entries = append(r.Entries, e)
		} else {
			r.Overflow = true
		}
	case recPhase:
		var ph struct{ Phase, Reason string }
		if err := json.Unmarshal(payload, &ph); err != nil || r.Session.ID == "" {
			r.Invalid++
			return
		}
		switch Phase(ph.Phase) {
		case Active, Ending, Wiping, Waiting:
			r.Phase, r.Reason = Phase(ph.Phase), ph.Reason
		default:
			r.Invalid++
		}
	case recPending:
		p, ok := decodePending(payload)
		if !ok || r.Session.ID == "" || p.Root >= len(r.Session.Roots) {
			r.Invalid++
			return
		}
		r.Pending = append(r.Pending, p)
	case recOver:
		r.Overflow = true
	case recKey:
		var k KeyFolder
		if err := json.Unmarshal(payload, &k); err != nil || k.Key == "" || !plainName(k.Tmp) || (k.Name != "" && !plainName(k.Name)) {
			r.Invalid++
			return
		}
		if p := string(k.Parent); !filepath.IsAbs(p) || filepath.Clean(p) != p {
			r.Invalid++ // a tampered journal (threats.md S3)
			return
		}
		r.keys = append(r.keys, k)
	case recKeyGone:
		var g struct{ Key string }
		if err := json.Unmarshal(payload, &g); err != nil || g.Key == "" {
			r.Invalid++
			return
		}
		if r.gone == nil {
			r.gone = map[string]bool{}
		}
		r.gone[g.Key] = true
	default:
		r.Invalid++
	}
}

// rootsValid refuses roots that cannot be a root the agent opened: relative
// paths or paths that climb (a tampered journal, threats.md S3).
func rootsValid(roots []Root) bool {
	for _, rt := range roots {
		p := string(rt.Path)
		if p == "" {
			continue // a refused root
		}
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			return false
		}
	}
	return true
}

func encodeEntry(e Entry) []byte {
	b := make([]byte, 0, 64+len(e.Name))
	b = binary.AppendUvarint(b, uint64(e.Root))
	b = binary.LittleEndian.AppendUint64(b, e.Parent.Dev)
	b = binary.LittleEndian.AppendUint64(b, e.Parent.Ino)
	b = binary.LittleEndian.AppendUint64(b, e.ID.Dev)
	b = binary.LittleEndian.AppendUint64(b, e.ID.Ino)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.ID.Btime))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Size))
	if e.Dir {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Name)))
	return append(b, e.Name...)
}

func decodeEntry(b []byte) (Entry, bool) {
	var e Entry
	root, n := binary.Uvarint(b)
	if n <= 0 || root > 1<<16 {
		return e, false
	}
	b = b[n:]
	if len(b) < 49 {
		return e, false
	}
	le := binary.LittleEndian
	e.Root = int(root)
	e.Parent = safefs.Identity{Dev: le.Uint64(b[0:]), Ino: le.Uint64(b[8:])}
	e.ID = safefs.Identity{Dev: le.Uint64(b[16:]), Ino: le.Uint64(b[24:]), Btime: int64(le.Uint64(b[32:]))}
	e.Size = int64(le.Uint64(b[40:]))
	e.Dir = b[48] == 1
	b = b[49:]
	l, n := binary.Uvarint(b)
	if n <= 0 || l > 255 || uint64(len(b)-n) != l {
		return e, false // a name is one component of at most 255 bytes
	}
	name := b[n:]
	for _, c := range name {
		if c == '/' || c == 0 {
			return e, false // a path, not a name: tampering
		}
	}
	// An entry of an encrypted folder is recorded without its name (a
	// name kept here would escape the key's destruction).
	e.Name = append([]byte(nil), name...)
	return e, true
}

func encodePending(p Pending) []byte {
	b := binary.AppendUvarint(nil, uint64(p.Root))
	b = binary.AppendUvarint(b, uint64(len(p.Rel)))
	b = append(b, p.Rel...)
	return append(b, p.Reason...)
}

func decodePending(b []byte) (Pending, bool) {
	var p Pending
	root, n := binary.Uvarint(b)
	if n <= 0 || root > 1<<16 {
		return p, false
	}
	b = b[n:]
	l, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < l {
		return p, false
	}
	p.Root = int(root)
	p.Rel = append([]byte(nil), b[n:n+int(l)]...)
	p.Reason = string(b[n+int(l):])
	// An entry of an encrypted folder is recorded without its name.
	if len(p.Rel) > 0 && p.Rel[0] == '/' {
		return p, false
	}
	return p, true
}

// plainName is a name directly inside a folder.
func plainName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, "/\\\x00")
}
