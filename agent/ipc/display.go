package ipc

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayName makes a raw file name safe to show a person (threats.md I8):
// invalid bytes become U+FFFD, control characters become visible symbols
// (a newline shows as ␊), and the bidirectional and invisible formatting
// characters that can make "facture‮fdp.exe" look like "factureexe.pdf" are
// shown as their code, so the name reads as it really is.
func DisplayName(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case r < 0x20:
			b.WriteRune(0x2400 + r) // Control Pictures block: ␀ … ␟
		case r == 0x7f:
			b.WriteRune('␡')
		case isBidiOrFormat(r):
			b.WriteString("<U+" + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + ">")
		case unicode.IsControl(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidiOrFormat(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	case r >= 0x200B && r <= 0x200D, r == 0xFEFF, r == 0x2060:
		return true // zero-width characters hide differences between names
	}
	return false
}

// EscapeForTerminal quotes a raw name for command-line output: no raw
// newline, escape sequence or invalid byte reaches the terminal, and the
// bidirectional controls are escaped too.
func EscapeForTerminal(raw string) string {
	q := strconv.QuoteToGraphic(raw)
	q = q[1 : len(q)-1]
	var b strings.Builder
	for _, r := range q {
		if isBidiOrFormat(r) {
			b.WriteString(`\u` + strings.ToUpper(strconv.FormatInt(int64(r)|0x10000, 16)[1:]))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
