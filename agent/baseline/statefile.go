package baseline

// This file reads and writes the baseline in the agent's own state
// directory, which is root-only (threats.md D10); it is the one file of the
// package allowed to use path-based calls (see the L7 guard in agent/wipe).

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/durable"
	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// File format, little-endian:
//
//	magic "ARDOISE-BASELINE" | version u32 = 3 | taken i64 | roots u32
//	roots × (present u8, dev u64, ino u64, btime i64)
//	records u64
//	records × (dev u64, ino u64, btime i64, pdev u64, pino u64, ctime i64,
//	           size i64, uid u32, root u16, flags u16, nameLen u16, name)
//	streams u64
//	streams × (dev u64, ino u64, nameLen u16, name)
//	SHA-256 of everything before it
//
// Records are sorted by identity, so a reader can check the order and
// search the file as it is. Version 2, written by Ardoise before the
// Windows streams, has no streams section and is still read: an agent
// upgraded in the middle of a session finishes that session's wipe.
const (
	version    = 3
	version2   = 2
	recHeader  = 7*8 + 4 + 2 + 2 + 2
	rootRecord = 1 + 3*8
	flagDir    = 1
)

var magic = []byte("ARDOISE-BASELINE")

// ErrCorrupt means a baseline file is torn, truncated or was edited.
var ErrCorrupt = errors.New("baseline file is damaged")

// WriteFile stores the baseline at path: written to a new file beside it
// (mode 0600: names are kept in it), synced, renamed into place and the
// directory synced, so a crash leaves the old file or the new one, never
// half of one.
func (s *Set) WriteFile(path string) error {
	if s == nil {
		s = newSet()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".baseline-*")
	if err != nil {
		return fmt.Errorf("write baseline in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; removes a failed attempt
	if err := s.writeTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write baseline %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	return durable.SyncDir(dir)
}

func (s *Set) writeTo(f io.Writer) error {
	sum := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<16)
	le := binary.LittleEndian
	var b [recHeader]byte
	w.Write(magic)
	le.PutUint32(b[0:], version)
	le.PutUint64(b[4:], uint64(s.taken))
	le.PutUint32(b[12:], uint32(len(s.roots)))
	w.Write(b[:16])
	for _, r := range s.roots {
		clear(b[:])
		if r.ok {
			b[0] = 1
		}
		le.PutUint64(b[1:], r.id.Dev)
		le.PutUint64(b[9:], r.id.Ino)
		le.PutUint64(b[17:], uint64(r.id.Btime))
		w.Write(b[:rootRecord])
	}
	le.PutUint64(b[0:], uint64(len(s.recs)))
	w.Write(b[:8])
	for i := range s.recs {
		r := &s.recs[i]
		le.PutUint64(b[0:], r.dev)
		le.PutUint64(b[8:], r.ino)
		le.PutUint64(b[16:], uint64(r.btime))
		le.PutUint64(b[24:], r.pdev)
		le.PutUint64(b[32:], r.pino)
		le.PutUint64(b[40:], uint64(r.ctime))
		le.PutUint64(b[48:], uint64(r.size))
		le.PutUint32(b[56:], r.uid)
		le.PutUint16(b[60:], r.root)
		var flags uint16
		if r.dir {
			flags |= flagDir
		}
		le.PutUint16(b[62:], flags)
		le.PutUint16(b[64:], r.nameLen)
		w.Write(b[:recHeader])
		w.Write(s.names[r.nameOff : r.nameOff+uint32(r.nameLen)])
	}
	le.PutUint64(b[0:], uint64(len(s.streams)))
	w.Write(b[:8])
	for _, st := range s.streams {
		le.PutUint64(b[0:], st.dev)
		le.PutUint64(b[8:], st.ino)
		le.PutUint16(b[16:], uint16(len(st.name)))
		w.Write(b[:18])
		w.WriteString(st.name)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := f.Write(sum.Sum(nil))
	return err
}

// ReadFile loads a baseline written by WriteFile. A damaged file gives an
// error wrapping ErrCorrupt: the checksum, every length, the order of the
// records, the root indexes and the names are checked, so a damaged file is
// refused instead of misleading the wipe.
func ReadFile(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	s, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w: %w", path, ErrCorrupt, err)
	}
	return s, nil
}

func parse(data []byte) (*Set, error) {
	if len(data) < len(magic)+16+8+sha256.Size || !bytes.Equal(data[:len(magic)], magic) {
		return nil, errors.New("not a baseline file")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch")
	}
	le := binary.LittleEndian
	p := body[len(magic):]
	v := le.Uint32(p)
	if v != version && v != version2 {
		return nil, fmt.Errorf("version %d, want %d", v, version)
	}
	s := newSet()
	s.taken = int64(le.Uint64(p[4:]))
	nroots := uint64(le.Uint32(p[12:]))
	p = p[16:]
	if nroots > uint64(len(p))/rootRecord || nroots > 0xffff {
		return nil, errors.New("bad root count")
	}
	for range nroots {
		s.roots = append(s.roots, rootID{ok: p[0] == 1, id: safefs.Identity{Dev: le.Uint64(p[1:]), Ino: le.Uint64(p[9:]), Btime: int64(le.Uint64(p[17:]))}})
		p = p[rootRecord:]
	}
	if len(p) < 8 {
		return nil, errors.New("truncated")
	}
	n := le.Uint64(p)
	p = p[8:]
	if n > uint64(len(p))/(recHeader+1) {
		return nil, errors.New("bad record count")
	}
	s.recs = make([]rec, 0, n)
	s.names = make([]byte, 0, len(p)-int(n)*recHeader)
	for i := uint64(0); i < n; i++ {
		if len(p) < recHeader {
			return nil, errors.New("truncated")
		}
		flags := le.Uint16(p[62:])
		l := int(le.Uint16(p[64:]))
		r := Record{
			ID:     safefs.Identity{Dev: le.Uint64(p[0:]), Ino: le.Uint64(p[8:]), Btime: int64(le.Uint64(p[16:]))},
			Parent: safefs.Identity{Dev: le.Uint64(p[24:]), Ino: le.Uint64(p[32:])},
			Ctime:  int64(le.Uint64(p[40:])),
			Size:   int64(le.Uint64(p[48:])),
			UID:    le.Uint32(p[56:]),
			Root:   le.Uint16(p[60:]),
			Dir:    flags&flagDir != 0,
		}
		p = p[recHeader:]
		if len(p) < l {
			return nil, errors.New("truncated")
		}
		r.Name = string(p[:l])
		p = p[l:]
		switch {
		case flags&^flagDir != 0:
			return nil, fmt.Errorf("record %d: unknown flags", i)
		case uint64(r.Root) >= nroots || !s.roots[r.Root].ok:
			return nil, fmt.Errorf("record %d: bad root", i)
		case r.Name == "" || r.Name == "." || r.Name == ".." || strings.ContainsAny(r.Name, "/\x00"):
			return nil, fmt.Errorf("record %d: bad name", i)
		}
		if err := s.add(r); err != nil {
			return nil, err
		}
		if k := len(s.recs); k > 1 && s.compareRec(&s.recs[k-2], &s.recs[k-1]) >= 0 {
			return nil, fmt.Errorf("record %d: out of order", i)
		}
	}
	if v >= 3 {
		s.streamsKnown = true
		if len(p) < 8 {
			return nil, errors.New("truncated")
		}
		n := le.Uint64(p)
		p = p[8:]
		if n > uint64(len(p))/19 {
			return nil, errors.New("bad stream count")
		}
		for i := uint64(0); i < n; i++ {
			if len(p) < 18 {
				return nil, errors.New("truncated")
			}
			st := streamRec{dev: le.Uint64(p), ino: le.Uint64(p[8:])}
			l := int(le.Uint16(p[16:]))
			p = p[18:]
			if len(p) < l {
				return nil, errors.New("truncated")
			}
			st.name = string(p[:l])
			p = p[l:]
			if st.name == "" || strings.ContainsAny(st.name, "/\\:\x00") {
				return nil, fmt.Errorf("stream %d: bad name", i)
			}
			if k := len(s.streams); k > 0 && compareStream(s.streams[k-1], st) >= 0 {
				return nil, fmt.Errorf("stream %d: out of order", i)
			}
			s.streams = append(s.streams, st)
		}
	}
	if len(p) != 0 {
		return nil, errors.New("trailing data")
	}
	s.index()
	return s, nil
}
