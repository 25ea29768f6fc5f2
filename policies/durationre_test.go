package policies

import (
	"fmt"
	"regexp"
	"testing"
	"time"
)

// TestSpanPatternMatchesTheGoRule compares, for each duration field's range
// and a few others, the schema's pattern with the Go rule (syntax, parts
// below 60 after the first, range) on every duration written around the
// bounds and on many others.
func TestSpanPatternMatchesTheGoRule(t *testing.T) {
	spansToTry := map[string]span{"0 to 1h": {0, time.Hour, false}, "90s to 61m": {90 * time.Second, 61 * time.Minute, true}}
	for k, v := range spans {
		spansToTry[k] = v
	}
	for name, sp := range spansToTry {
		re := regexp.MustCompile(spanPattern(sp.min, sp.max, sp.zeroOff))
		var tries []string
		nums := map[int64]bool{}
		for _, u := range []time.Duration{time.Hour, time.Minute, time.Second} {
			for _, b := range []time.Duration{sp.min, sp.max} {
				for d := int64(-2); d <= 2; d++ {
					nums[int64(b/u)+d] = true
				}
			}
		}
		for n := int64(0); n <= 130; n++ {
			nums[n] = true
		}
		small := []int64{0, 1, 9, 10, 29, 30, 59, 60, 61, 99}
		for n := range nums {
			if n < 0 {
				continue
			}
			for _, u := range []string{"h", "m", "s"} {
				tries = append(tries, fmt.Sprintf("%d%s", n, u), fmt.Sprintf("0%d%s", n, u))
			}
			for _, m := range small {
				tries = append(tries, fmt.Sprintf("%dh%dm", n, m), fmt.Sprintf("%dm%ds", n, m), fmt.Sprintf("%dh%ds", n, m))
				for _, s := range small {
					tries = append(tries, fmt.Sprintf("%dh%dm%ds", n, m, s))
				}
			}
		}
		tries = append(tries, "0", "", "1.5h", "-5m", "15 minutes", "1m1h", "500ms", "00")
		for _, s := range tries {
			d, bad := parsePolicyDuration(s)
			goOK := bad == "" && ((d == 0 && sp.zeroOff) || (d >= sp.min && d <= sp.max))
			if re.MatchString(s) != goOK {
				t.Errorf("%s: %q: pattern says %v, Go says %v (%s)", name, s, re.MatchString(s), goOK, bad)
			}
		}
	}
}
