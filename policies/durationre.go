package policies

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A duration in a policy is whole hours, minutes and seconds, in that
// order, each at most once: "90s", "15m", "2h", "1h30m", "8760h0m0s" (as
// "policy show" prints it), or 0. After the first part, minutes and seconds
// are below 60 ("1h90m" is written "2h30m"). That is all Go's
// time.ParseDuration needs here, and it is small enough for the JSON Schema
// to carry each field's range as a pattern (spanPattern), so that an editor
// and the agent refuse the same durations.

var durationSyntax = regexp.MustCompile(`^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$`)

const durationHint = "write it in whole hours, minutes and seconds, like 90s, 15m, 2h or 1h30m"

// parsePolicyDuration reads a duration as described above, or says what is
// wrong with it.
func parsePolicyDuration(s string) (time.Duration, string) {
	if s == "0" {
		return 0, ""
	}
	m := durationSyntax.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Sprintf("%s is not a duration; %s", strQuote(s), durationHint)
	}
	var total time.Duration
	first := true
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64(1<<62)/int64(unit) {
			return 0, fmt.Sprintf("%s is too long; %s", strQuote(s), durationHint)
		}
		if !first && n >= 60 {
			return 0, fmt.Sprintf("%s: after the first part, minutes and seconds are below 60; write it as %s", strQuote(s), shortDuration(total+time.Duration(n)*unit))
		}
		first = false
		total += time.Duration(n) * unit
	}
	return total, ""
}

// spanPattern is a regular expression (with no look-ahead: RE2 and
// ECMA-262 alike) that matches exactly the durations of that syntax
// between min and max, whole seconds, and 0 if zeroOK.
func spanPattern(min, max time.Duration, zeroOK bool) string {
	lo, hi := int64(min/time.Second), int64(max/time.Second)
	alts := durAlts(0, lo, hi, false)
	if zeroOK || lo == 0 {
		alts = append(alts, "0")
	}
	if zeroOK && lo > 0 {
		alts = append(alts, durAlts(0, 0, 0, false)...)
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}

var durUnits = []struct {
	secs int64
	name string
}{{3600, "h"}, {60, "m"}, {1, "s"}}

// durAlts lists the alternatives for the parts from unit k on whose total
// is in [lo, hi]; started says a part was written before (so each part is
// below 60, and writing nothing more is allowed).
func durAlts(k int, lo, hi int64, started bool) []string {
	if lo < 0 {
		lo = 0
	}
	if hi < lo {
		return nil
	}
	if k == len(durUnits) {
		if started && lo == 0 {
			return []string{""}
		}
		return nil
	}
	u := durUnits[k]
	var alts []string
	// This part left out.
	alts = append(alts, durAlts(k+1, lo, hi, started)...)
	// This part written as N: the parts after it add 0 to u-1 seconds
	// (each below 60), so N is from ceil((lo-(u-1))/u) to floor(hi/u).
	rest := u.secs - 1
	nLo, nHi := ceilDiv(lo-rest, u.secs), hi/u.secs
	if nLo < 0 {
		nLo = 0
	}
	if started && nHi > 59 {
		nHi = 59
	}
	if nLo > nHi {
		return alts
	}
	// N whose whole rest range fits: any rest.
	fullLo, fullHi := nLo, nHi
	if fullLo*u.secs < lo {
		fullLo++
	}
	if fullHi*u.secs+rest > hi {
		fullHi--
	}
	any := durAlts(k+1, 0, rest, true)
	if fullLo <= fullHi {
		alts = append(alts, "0*"+intRange(fullLo, fullHi)+u.name+group(any))
	}
	for _, n := range []int64{nLo, nHi} {
		if (n >= fullLo && n <= fullHi) || (n == nHi && nHi == nLo && len(alts) > 0 && n != nLo) {
			continue
		}
		sub := durAlts(k+1, lo-n*u.secs, hi-n*u.secs, true)
		if len(sub) > 0 {
			alts = append(alts, "0*"+strconv.FormatInt(n, 10)+u.name+group(sub))
		}
		if nLo == nHi {
			break
		}
	}
	return alts
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}

// group writes alternatives as one optional-or-not group.
func group(alts []string) string {
	if len(alts) == 1 {
		return alts[0]
	}
	return "(" + strings.Join(alts, "|") + ")"
}

// intRange is a regular expression for the decimal numbers from a to b
// (a >= 0), with no leading zero.
func intRange(a, b int64) string {
	var alts []string
	for _, r := range splitRange(a, b) {
		alts = append(alts, rangeOfSameLength(strconv.FormatInt(r[0], 10), strconv.FormatInt(r[1], 10)))
	}
	return group(alts)
}

// splitRange cuts [a, b] into ranges whose ends have the same number of
// digits.
func splitRange(a, b int64) [][2]int64 {
	var out [][2]int64
	for a <= b {
		top := int64(9)
		for top < a {
			top = top*10 + 9
		}
		end := min(top, b)
		out = append(out, [2]int64{a, end})
		a = end + 1
	}
	return out
}

// rangeOfSameLength matches the numbers from lo to hi, written with the
// same number of digits.
func rangeOfSameLength(lo, hi string) string {
	if lo == hi {
		return lo
	}
	if len(lo) == 1 {
		return "[" + lo + "-" + hi + "]"
	}
	if lo[0] == hi[0] {
		return lo[:1] + rangeOfSameLength(lo[1:], hi[1:])
	}
	n := len(lo) - 1
	zeros, nines := strings.Repeat("0", n), strings.Repeat("9", n)
	var alts []string
	loHead, hiHead := lo[0], hi[0]
	if lo[1:] != zeros {
		alts = append(alts, lo[:1]+rangeOfSameLength(lo[1:], nines))
		loHead++
	}
	tailHi := hi[1:] != nines
	midHi := hiHead
	if tailHi {
		midHi--
	}
	if loHead <= midHi {
		alts = append(alts, digitClass(loHead, midHi)+strings.Repeat("[0-9]", n))
	}
	if tailHi {
		alts = append(alts, hi[:1]+rangeOfSameLength(zeros, hi[1:]))
	}
	return group(alts)
}

func digitClass(a, b byte) string {
	if a == b {
		return string(a)
	}
	return "[" + string(a) + "-" + string(b) + "]"
}
