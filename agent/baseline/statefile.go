package baseline

// This file reads and writes the baseline in the agent's own state
// directory, which is root-only; it is the one file of the package allowed
// to use path-based calls (see the L7 guard in agent/wipe).

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// File format: magic, record count, records, then the CRC-32C of all that.
var (
	magic = []byte("ARDOISE-BASELINE-1\n")
	crcT  = crc32.MakeTable(crc32.Castagnoli)
)

// ErrCorrupt means a baseline file is torn, truncated or was edited.
var ErrCorrupt = errors.New("baseline file is damaged")

// WriteFile stores the baseline at path: written beside it, synced, then
// renamed into place and the directory synced, so a crash leaves the old
// file or the new one, never half of one. The file is readable by its owner
// only: names are kept in it.
func (s *Set) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*")
	if err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline: %w", err)
	}
	crc := crc32.New(crcT)
	w := bufio.NewWriterSize(io.MultiWriter(tmp, crc), 1<<16)
	w.Write(magic)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(s.recs)))
	w.Write(b[:])
	for _, r := range s.recs {
		writeRecord(w, r)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline: %w", err)
	}
	binary.LittleEndian.PutUint32(b[:4], crc.Sum32())
	if _, err := tmp.Write(b[:4]); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func writeRecord(w *bufio.Writer, r Record) {
	var b [8 * 8]byte
	le := binary.LittleEndian
	le.PutUint64(b[0:], r.ID.Dev)
	le.PutUint64(b[8:], r.ID.Ino)
	le.PutUint64(b[16:], uint64(r.ID.Btime))
	le.PutUint64(b[24:], r.Parent.Dev)
	le.PutUint64(b[32:], r.Parent.Ino)
	le.PutUint64(b[40:], uint64(r.Ctime))
	le.PutUint64(b[48:], uint64(r.Size))
	le.PutUint32(b[56:], r.UID)
	le.PutUint16(b[60:], r.Root)
	if r.Dir {
		b[62] = 1
	}
	w.Write(b[:])
	var n [2]byte
	le.PutUint16(n[:], uint16(len(r.Name)))
	w.Write(n[:])
	w.WriteString(r.Name)
}

// ReadFile loads a baseline written by WriteFile. A damaged file gives an
// error wrapping ErrCorrupt.
func ReadFile(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	if len(data) < len(magic)+8+4 || !bytes.Equal(data[:len(magic)], magic) {
		return nil, fmt.Errorf("read baseline %s: %w", path, ErrCorrupt)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcT) != sum {
		return nil, fmt.Errorf("read baseline %s: checksum mismatch: %w", path, ErrCorrupt)
	}
	le := binary.LittleEndian
	p := body[len(magic):]
	n := le.Uint64(p)
	p = p[8:]
	if n > uint64(len(p))/66 {
		return nil, fmt.Errorf("read baseline %s: bad count: %w", path, ErrCorrupt)
	}
	s := newSet()
	s.recs = make([]Record, 0, n)
	for i := uint64(0); i < n; i++ {
		if len(p) < 66 {
			return nil, fmt.Errorf("read baseline %s: truncated: %w", path, ErrCorrupt)
		}
		r := Record{
			ID:     safefs.Identity{Dev: le.Uint64(p[0:]), Ino: le.Uint64(p[8:]), Btime: int64(le.Uint64(p[16:]))},
			Parent: safefs.Identity{Dev: le.Uint64(p[24:]), Ino: le.Uint64(p[32:])},
			Ctime:  int64(le.Uint64(p[40:])),
			Size:   int64(le.Uint64(p[48:])),
			UID:    le.Uint32(p[56:]),
			Root:   le.Uint16(p[60:]),
			Dir:    p[62] == 1,
		}
		l := int(le.Uint16(p[64:]))
		p = p[66:]
		if len(p) < l {
			return nil, fmt.Errorf("read baseline %s: truncated: %w", path, ErrCorrupt)
		}
		r.Name = string(p[:l])
		p = p[l:]
		s.add(r)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("read baseline %s: trailing data: %w", path, ErrCorrupt)
	}
	return s, nil
}
