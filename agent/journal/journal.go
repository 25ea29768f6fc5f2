// Package journal is the session's crash-safe record in the agent's state
// directory: which session is running, on which roots, what it created, how
// far its end has gone, and what could not be deleted yet. After a crash, a
// kill -9 or a power cut, the next start reads it back and finishes the wipe.
//
// Records are appended with a length and a CRC-32C each and synced to disk;
// a torn last record (power cut in the middle of a write) is detected and
// ignored. Names are stored as raw bytes, never as JSON strings (which would
// replace invalid UTF-8, threats.md T7). The journal is a hint and an audit
// trail: the wipe decides what to delete by rescanning the roots against the
// baseline, so a lost or tampered journal can cause a missed report, never a
// wrong deletion. Nothing in it survives a completed wipe: Finish removes it
// and keeps only counts.
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
	"slices"
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/durable"
	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// Record types.
const (
	recBegin   = 1
	recCreated = 2
	recPhase   = 3
	recPending = 4
	recOver    = 5
	recKey     = 6
	recKeyGone = 7
)

// MaxEntries bounds the created entries recorded one by one; past it one
// overflow record says so and the wipe's rescan covers the rest.
var MaxEntries = 200000

// FolderHandle is a folder's kernel file handle (safefs.FolderHandle,
// Linux): a crash's recovery finds the folder by it when the person moved
// it away from its name during the session. Opaque, no name.
type FolderHandle struct {
	HandleType int32  `json:",omitempty"`
	Handle     []byte `json:",omitempty"`
}

// Root is one root of a session as recorded at its start.
type Root struct {
	Label string
	Path  []byte // absolute path at session start (bytes: may be any encoding)
	Dev   uint64
	Ino   uint64
	Btime int64 `json:",omitempty"`
	FolderHandle
	State  string // "watching", "refused", "absent", …
	Reason string
	Scope  string
	Keep   []string
	Owners []uint32
	// OwnerSIDs are the owners on Windows.
	OwnerSIDs []string `json:",omitempty"`
	// Protection is "encrypted" for a folder encrypted with the session
	// key (then Dev and Ino are the folder made for it), "deleted"
	// otherwise; ProtectionCode says why not encrypted.
	Protection     string `json:",omitempty"`
	ProtectionCode string `json:",omitempty"`
}

// Session is the record written when a session starts.
type Session struct {
	ID      string
	Mode    string // "public" or "accompanied"
	UID     uint32
	SID     string `json:",omitempty"` // the account on Windows
	Started time.Time
	Roots   []Root
}

// Entry is one entry created during the session.
type Entry struct {
	Root   int
	Parent safefs.Identity
	Name   []byte
	ID     safefs.Identity
	Dir    bool
	Size   int64
}

// Pending is an entry a wipe could not delete yet.
type Pending struct {
	Root   int
	Rel    []byte
	Reason string
}

// KeyFolder is a folder encrypted with a session key, recorded before its
// encryption is set (an added key not recorded would be an orphan nobody
// removes). It holds no name of the session's documents: only the folder's
// own place, which the agent chose.
type KeyFolder struct {
	// Key is the key's identifier (cryptoerase.ID.String()), not secret.
	Key string
	// Parent is the absolute path of the folder that holds it.
	Parent []byte
	// Tmp is the hidden name it was made at; Name the root's name it
	// takes once swapped into place.
	Tmp   string
	Name  string
	Dev   uint64
	Ino   uint64
	Btime int64
	FolderHandle
	// Owners are the accounts whose entries in it are the session's.
	Owners []uint32
	Label  string
}

// Phase is how far a session has gone.
type Phase string

const (
	Active  Phase = "active"
	Ending  Phase = "ending"
	Wiping  Phase = "wiping"
	Waiting Phase = "pending" // a wipe left entries to retry
)

// Recovered is what a journal says about an unfinished session.
type Recovered struct {
	Session  Session
	Phase    Phase
	Reason   string // why the session was ending, if it was
	Entries  []Entry
	Pending  []Pending
	Overflow bool // more entries were created than recorded
	Invalid  int  // records ignored because they did not make sense
	Torn     bool // the last record was cut short
	// Keys are the encrypted folders whose key was added and not recorded
	// as destroyed; they may come with no session (a crash before it was
	// recorded, or a key left by a finished one).
	Keys []KeyFolder
}

// Counts is what survives a completed wipe: no names.
type Counts struct {
	SessionID string    `json:"session_id"`
	Mode      string    `json:"mode"`
	Reason    string    `json:"reason"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Removed   int       `json:"removed"`
	Kept      int       `json:"kept"`
	Pending   int       `json:"pending"`
	Verified  bool      `json:"verified"`
}

// Journal appends records for one state directory.
type Journal struct {
	dir string

	mu      sync.Mutex
	f       *os.File
	entries int
	over    bool
	err     error // first write error: the journal is degraded
	// keys are the key records not destroyed: they outlive Begin and
	// Finish, which empty the journal, until KeyDestroyed.
	keys []KeyFolder

	queue   chan []byte // created records waiting for the committer
	flushed chan chan error
	done    chan struct{}
}

const (
	fileName    = "journal"
	summaryName = "last-session.json"
)

var crcT = crc32.MakeTable(crc32.Castagnoli)

// ErrUnsafeStateDir means the state directory could be changed by someone
// other than the agent's user (threats.md S2).
var ErrUnsafeStateDir = errors.New("state directory is not private to the agent")

// Open checks the state directory, reads back any unfinished session and
// opens the journal for appending. rec is nil when no session was left
// unfinished.
func Open(dir string) (*Journal, *Recovered, error) {
	if err := CheckStateDir(dir); err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, fileName)
	rec, err := replay(p)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	if rec != nil && rec.Torn {
		// Cut the torn tail so that new records follow a whole one.
		if err := f.Truncate(rec.size); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("repair journal: %w", err)
		}
	}
	j := &Journal{dir: dir, f: f, queue: make(chan []byte, 4096), flushed: make(chan chan error), done: make(chan struct{})}
	if rec != nil {
		j.entries = len(rec.Entries)
		j.over = rec.Overflow
		j.keys = rec.Keys
	}
	go j.commit()
	if rec == nil || (rec.Session.ID == "" && len(rec.Keys) == 0) {
		return j, nil, nil
	}
	return j, rec.public(), nil
}

// Err reports whether the journal is degraded (a write failed, for example
// a full disk). The session that was running goes on and its wipe still
// works from its rescan, but the agent starts no new session until it is
// restarted with a journal it can write (RCR12): a session it
// cannot journal is one a crash would leave unerased.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

func frame(typ byte, payload []byte) []byte {
	b := make([]byte, 9+len(payload))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(payload)+1))
	b[8] = typ
	copy(b[9:], payload)
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(b[8:], crcT))
	return b
}

// write appends records and syncs them. Callers hold no lock.
func (j *Journal) write(buf []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal closed")
	}
	_, err := j.f.Write(buf)
	if err == nil {
		err = j.f.Sync()
	}
	if err != nil && j.err == nil {
		j.err = fmt.Errorf("journal degraded: %w", err)
	}
	return err
}

// commit batches created records: everything queued while the previous
// sync ran goes out in one write and one sync (group commit).
func (j *Journal) commit() {
	defer close(j.done)
	var buf []byte
	for {
		select {
		case rec, ok := <-j.queue:
			if !ok {
				return
			}
			buf = append(buf[:0], rec...)
		drain:
			for len(buf) < 1<<20 {
				select {
				case rec, ok := <-j.queue:
					if !ok {
						j.write(buf)
						return
					}
					buf = append(buf, rec...)
				default:
					break drain
				}
			}
			j.write(buf)
		case reply := <-j.flushed:
			// Everything queued before the flush request is written.
			buf = buf[:0]
			for len(j.queue) > 0 {
				buf = append(buf, <-j.queue...)
			}
			var err error
			if len(buf) > 0 {
				err = j.write(buf)
			}
			reply <- err
		}
	}
}

// Flush waits until every record given so far is on disk.
func (j *Journal) Flush() error {
	reply := make(chan error)
	j.flushed <- reply
	return <-reply
}

func (j *Journal) sync(typ byte, payload []byte) error {
	if err := j.Flush(); err != nil {
		return err
	}
	return j.write(frame(typ, payload))
}

// Begin records a new session. It replaces whatever the journal held.
func (j *Journal) Begin(s Session) error {
	if err := j.Flush(); err != nil {
		return err
	}
	j.mu.Lock()
	if err := j.f.Truncate(0); err != nil {
		if j.err == nil {
			j.err = fmt.Errorf("journal degraded: %w", err)
		}
		j.mu.Unlock()
		return fmt.Errorf("begin journal: %w", err)
	}
	j.entries, j.over = 0, false
	keys := j.keyRecords()
	j.mu.Unlock()
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("begin journal: %w", err)
	}
	return j.write(append(keys, frame(recBegin, data)...))
}

// keyRecords are the records of the keys not destroyed, written again
// after the journal is emptied; j.mu is held.
func (j *Journal) keyRecords() []byte {
	var buf []byte
	for _, k := range j.keys {
		data, _ := json.Marshal(k)
		buf = append(buf, frame(recKey, data)...)
	}
	return buf
}

// KeyAdded records, synchronously, a folder about to be encrypted with an
// added key. It must be on disk before the encryption is set.
func (j *Journal) KeyAdded(k KeyFolder) error {
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := j.sync(recKey, data); err != nil {
		return err
	}
	j.mu.Lock()
	j.keys = append(j.keys, k)
	j.mu.Unlock()
	return nil
}

// KeyDestroyed records, synchronously, that the kernel reports the key
// absent: its folders need no key removal any more.
func (j *Journal) KeyDestroyed(key string) error {
	data, _ := json.Marshal(struct{ Key string }{key})
	if err := j.sync(recKeyGone, data); err != nil {
		return err
	}
	j.mu.Lock()
	j.keys = slices.DeleteFunc(j.keys, func(k KeyFolder) bool { return k.Key == key })
	j.mu.Unlock()
	return nil
}

// Keys returns the key records not destroyed.
func (j *Journal) Keys() []KeyFolder {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.keys)
}

// Created records an entry the session created. It returns at once; the
// record reaches the disk within one group commit, and Flush (or any
// Phase) waits for it.
func (j *Journal) Created(e Entry) {
	j.mu.Lock()
	if j.entries >= MaxEntries {
		over := j.over
		j.over = true
		j.mu.Unlock()
		if !over {
			j.queue <- frame(recOver, nil)
		}
		return
	}
	j.entries++
	j.mu.Unlock()
	j.queue <- frame(recCreated, encodeEntry(e))
}

// SetPhase records how far the session has gone, synchronously.
func (j *Journal) SetPhase(p Phase, reason string) error {
	data, _ := json.Marshal(struct{ Phase, Reason string }{string(p), reason})
	return j.sync(recPhase, data)
}

// SetPending records the entries a wipe left, synchronously.
func (j *Journal) SetPending(ps []Pending) error {
	if err := j.Flush(); err != nil {
		return err
	}
	var buf []byte
	for _, p := range ps {
		buf = append(buf, frame(recPending, encodePending(p))...)
	}
	if len(buf) == 0 {
		return nil
	}
	return j.write(buf)
}

// Finish ends the session after a verified wipe: the journal, which holds
// names, is emptied first, whatever else fails (a full disk, threats.md
// R12), and then only counts are kept in last-session.json.
func (j *Journal) Finish(c Counts) error {
	// Records still queued hold names too: they are dropped with the rest.
	flushErr := j.Flush()
	j.mu.Lock()
	err := j.f.Truncate(0)
	if keys := j.keyRecords(); err == nil && len(keys) > 0 {
		// A key not destroyed (files still busy) is removed at the next
		// start: its record stays, and holds no name.
		_, err = j.f.Write(keys)
	}
	if err == nil {
		err = j.f.Sync()
	}
	j.entries, j.over = 0, false
	j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("clear journal: %w", err)
	}
	// Emptying the journal freed its room for the summary.
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(j.dir, "."+summaryName)
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		os.Remove(tmp)
		return errors.Join(flushErr, fmt.Errorf("write session summary: %w", err))
	}
	if err := os.Rename(tmp, filepath.Join(j.dir, summaryName)); err != nil {
		return errors.Join(flushErr, fmt.Errorf("write session summary: %w", err))
	}
	if err := durable.SyncDir(j.dir); err != nil {
		return errors.Join(flushErr, err)
	}
	return flushErr
}

// Close flushes and closes the journal, leaving an unfinished session in it.
func (j *Journal) Close() error {
	close(j.queue)
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// LastSummary reads the counts of the last completed session, if any.
func LastSummary(dir string) (*Counts, error) {
	data, err := os.ReadFile(filepath.Join(dir, summaryName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Counts
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read %s: %w", summaryName, err)
	}
	return &c, nil
}
