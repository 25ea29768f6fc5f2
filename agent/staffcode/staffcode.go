// Package staffcode checks the code an aidant types to start an accompanied
// session, and slows down whoever tries codes one after another.
//
// The policy file is readable by every account on the computer, the
// public's included, so the code is stored as a slow, salted hash
// (PBKDF2-SHA-256): a short code stored as a plain SHA-256 could be found
// from the file in a moment. The plain "sha256:" form is still accepted,
// for policies written before, and documented as weak.
package staffcode

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Iterations is PBKDF2's work factor for new hashes: about a tenth of a
// second on a library's PC, and as long per guess for anyone who reads the
// policy file.
const Iterations = 300_000

// Hash returns the policy form of code: "pbkdf2-sha256:ITERATIONS:SALT:KEY",
// salt and key in hexadecimal.
func Hash(code string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, code, salt, Iterations, 32)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pbkdf2-sha256:%d:%x:%x", Iterations, salt, key), nil
}

// ErrBadHash means the stored hash is not in a form this package knows;
// policy validation prevents it.
var ErrBadHash = errors.New("the staff code hash of the policy is not valid")

// Verify reports whether code matches the stored hash, in constant time.
func Verify(stored, code string) (bool, error) {
	switch {
	case strings.HasPrefix(stored, "sha256:"):
		want, err := hex.DecodeString(strings.TrimPrefix(stored, "sha256:"))
		if err != nil || len(want) != sha256.Size {
			return false, ErrBadHash
		}
		got := sha256.Sum256([]byte(code))
		return subtle.ConstantTimeCompare(got[:], want) == 1, nil
	case strings.HasPrefix(stored, "pbkdf2-sha256:"):
		parts := strings.Split(stored, ":")
		if len(parts) != 4 {
			return false, ErrBadHash
		}
		iter, err := strconv.Atoi(parts[1])
		salt, err2 := hex.DecodeString(parts[2])
		want, err3 := hex.DecodeString(parts[3])
		if err != nil || err2 != nil || err3 != nil || iter < 1 || iter > 10_000_000 || len(want) < 16 {
			return false, ErrBadHash
		}
		got, err := pbkdf2.Key(sha256.New, code, salt, iter, len(want))
		if err != nil {
			return false, err
		}
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}
	return false, ErrBadHash
}

// Limiter slows down repeated wrong codes: after Free wrong codes in a row,
// each further attempt must wait, twice as long each time, up to Max. A
// right code resets it. One limiter serves the whole computer: the person
// trying codes is at its keyboard, whatever account they use.
type Limiter struct {
	Free  int           // wrong codes allowed without waiting (default 3)
	First time.Duration // first wait (default 30s)
	Max   time.Duration // longest wait (default 10 minutes)

	mu       sync.Mutex
	failures int
	until    time.Time
}

// Allow reports whether an attempt may be made at now, and if not, how long
// to wait.
func (l *Limiter) Allow(now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.until) {
		return false, l.until.Sub(now)
	}
	return true, 0
}

// Fail records a wrong code at now.
func (l *Limiter) Fail(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	free, first, max := l.Free, l.First, l.Max
	if free <= 0 {
		free = 3
	}
	if first <= 0 {
		first = 30 * time.Second
	}
	if max <= 0 {
		max = 10 * time.Minute
	}
	l.failures++
	if l.failures < free {
		return
	}
	wait := first
	for i := free; i < l.failures && wait < max; i++ {
		wait *= 2
	}
	l.until = now.Add(min(wait, max))
}

// Succeed records a right code.
func (l *Limiter) Succeed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures, l.until = 0, time.Time{}
}
