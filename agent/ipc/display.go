package ipc

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayName makes a raw file name safe to show a person (threats.md D10,
// I8). A web site chooses download names, so a name may try to fool the
// reader or forge what follows it:
//   - C0 control characters become their visible symbols from the Control
//     Pictures block (a newline shows as ␊, ESC as ␛, DEL as ␡);
//   - C1 controls, the bidirectional controls (U+202A–U+202E,
//     U+2066–U+2069, U+200E, U+200F, U+061C), the invisible characters
//     that hide a difference between two names (U+200B–U+200D, U+2060,
//     U+FEFF) and the line and paragraph separators U+2028 and U+2029 show
//     as their code, "<U+202E>", so "facture\u202Efdp.exe" reads
//     "facture<U+202E>fdp.exe" and not "factureexe.pdf";
//   - bytes that are not UTF-8 become U+FFFD.
//
// Everything else, accented letters included, is kept as it is.
func DisplayName(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteRune(0x2400 + r) // Control Pictures: ␀ … ␟
		case r == 0x7f:
			b.WriteRune('␡')
		case neutralised(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// neutralised reports the characters DisplayName shows by their code.
func neutralised(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true // bidirectional controls
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return true // zero-width characters
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return unicode.Is(unicode.Cf, r) // other invisible format characters (soft hyphen, tags)
}

// EscapeForTerminal writes a raw name for command-line output (threats.md
// I8): Go escapes (\n, \x1b, \u202e, \xff) replace every character that is
// not graphic, so no newline, escape sequence, bidirectional control or
// invalid byte reaches the terminal or a log scraper reading it; a
// backslash and a double quote are escaped too, so the result reads back
// with strconv.Unquote after adding the quotes. It has no surrounding
// quotes.
func EscapeForTerminal(raw string) string {
	q := strconv.QuoteToGraphic(raw)
	return q[1 : len(q)-1]
}
