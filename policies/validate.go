package policies

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
)

// Allowed values, in the order error messages list them.
var (
	allowedScopes     = []string{"session", "all"}
	allowedKinds      = []string{"downloads", "scans", "files"}
	allowedBrowsers   = []string{"firefox", "chromium", "chrome", "edge"}
	allowedTraces     = []string{"trash", "recent_files", "thumbnails", "clipboard", "print_queue", "shared_memory"}
	allowedLanguages  = []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "ar", "uk"}
	allowedNoticeMode = []string{"extend", "replace"}
	allowedLevels     = []string{"debug", "info", "warn", "error"}
	allowedFormats    = []string{"text", "json"}
	allowedDays       = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	placeholders      = []string{"{home}", "{downloads}", "{desktop}", "{documents}", "{pictures}", "{temp}"}
	// Absolute Linux folders under which a root may live. Everything else is
	// either a system folder or a place we have no business cleaning.
	linuxBases = []string{"/tmp", "/var/tmp", "/dev/shm", "/srv", "/home"}
	// System folders get a message of their own: naming one is a mistake
	// worth spelling out, not just a folder outside the allowed places.
	linuxSystemDirs = []string{"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc", "/sys", "/run", "/root", "/opt", "/var/lib", "/var/log", "/var/spool", "/var/cache", "/dev/pts", "/dev/mqueue"}
)

var (
	accountRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`)
	winAccountRe = regexp.MustCompile(`^[^\\/:*?"<>|\x00-\x1f]{1,64}$`)
	clockRe      = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	codeHashRe   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	driveRe      = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
	placeholdRe  = regexp.MustCompile(`\{[^}]*\}`)
)

// validator checks a decoded policy; every rule adds problems, none stops
// the others.
type validator struct {
	d *decoder
	p *Policy
}

func (v *validator) addf(field, format string, a ...any) {
	for _, p := range v.d.problems {
		if p.Field == field || strings.HasPrefix(field, p.Field+".") || strings.HasPrefix(field, p.Field+"[") {
			return // already reported while decoding
		}
	}
	v.d.addf(v.d.line(field), field, format, a...)
}

func validate(p *Policy, d *decoder) {
	v := &validator{d: d, p: p}
	v.accounts()
	v.roots()
	v.session()
	v.browsers()
	v.oneOfEach("traces", p.Traces, allowedTraces)
	v.notice()
	v.oneOf("logging.level", p.Logging.Level, allowedLevels)
	v.oneOf("logging.format", p.Logging.Format, allowedFormats)
}

func (v *validator) oneOf(field, val string, allowed []string) bool {
	for _, a := range allowed {
		if val == a {
			return true
		}
	}
	v.addf(field, "%q is not allowed; allowed: %s", val, strings.Join(allowed, ", "))
	return false
}

func (v *validator) oneOfEach(field string, vals, allowed []string) {
	seen := map[string]bool{}
	for i, val := range vals {
		f := fmt.Sprintf("%s[%d]", field, i)
		if v.oneOf(f, val, allowed) && seen[val] {
			v.addf(f, "%q is listed twice", val)
		}
		seen[val] = true
	}
}

func (v *validator) account(field, name string) {
	if !accountRe.MatchString(name) && !winAccountRe.MatchString(name) || strings.TrimSpace(name) != name || name == "" {
		v.addf(field, "%q is not an account name; use the login name, such as public or kiosque", name)
	}
}

func (v *validator) accounts() {
	seen := map[string]bool{}
	for i, k := range v.p.Accounts.Kiosk {
		f := fmt.Sprintf("accounts.kiosk[%d]", i)
		v.account(f, k)
		if seen[k] {
			v.addf(f, "%q is listed twice", k)
		}
		seen[k] = true
	}
	if g := v.p.Accounts.AdminGroup; g != "" && !accountRe.MatchString(g) {
		v.addf("accounts.admin_group", "%q is not a group name", g)
	}
}

func (v *validator) roots() {
	if len(v.p.Roots) == 0 {
		v.addf("roots", "no folder to watch; add at least one root such as - path: \"{downloads}\"")
		return
	}
	seen := map[string]int{}
	for i, r := range v.p.Roots {
		f := fmt.Sprintf("roots[%d]", i)
		if msg := checkRootPath(r.Path); msg != "" {
			v.addf(f+".path", "%s", msg)
		} else if r.Path == "{home}" && (r.Scope != "all" || !v.p.Accounts.Dedicated) {
			v.addf(f+".path", "the whole home folder may only be a root with scope: all and accounts.dedicated: true (a kiosk account nobody else uses); otherwise list the folders: {downloads}, {desktop}, …")
		}
		if j, dup := seen[cleanRoot(r.Path)]; dup && r.Path != "" {
			v.addf(f+".path", "same folder as roots[%d]", j)
		} else {
			seen[cleanRoot(r.Path)] = i
		}
		v.oneOf(f+".scope", r.Scope, allowedScopes)
		v.oneOf(f+".kind", r.Kind, allowedKinds)
		if strings.ContainsAny(r.Label, "\n\r\t") || len(r.Label) > 60 {
			v.addf(f+".label", "a label is a short name on one line (at most 60 bytes)")
		}
		for j, k := range r.Keep {
			if msg := checkKeepPattern(k); msg != "" {
				v.addf(fmt.Sprintf("%s.keep[%d]", f, j), "%s", msg)
			}
		}
		for j, a := range r.AlsoOwnedBy {
			v.account(fmt.Sprintf("%s.also_owned_by[%d]", f, j), a)
		}
	}
}

func cleanRoot(p string) string {
	return strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/")
}

// checkRootPath is the policy's equivalent of rm --preserve-root: it refuses
// roots that are empty, relative, climb with "..", are a system folder, a drive
// or file system root, a network path, or are outside the places a session's
// files can be (threats.md D1).
func checkRootPath(p string) string {
	const allowed = "allowed: {downloads}, {desktop}, {documents}, {pictures}, {temp} or {home}, optionally followed by /sub/folder; a folder under /tmp, /var/tmp, /dev/shm, /srv or /home; a folder of its own on a Windows drive such as C:\\Scans"
	switch {
	case p == "":
		return "empty; " + allowed
	case strings.ContainsAny(p, "\x00\n\r"):
		return "contains a control character"
	case strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, "//"):
		return fmt.Sprintf("%q is a network path; Ardoise never cleans network shares", p)
	}
	slashed := strings.ReplaceAll(p, `\`, "/")
	for _, c := range strings.Split(slashed, "/") {
		if c == ".." {
			return fmt.Sprintf("%q contains \"..\"; write the folder directly", p)
		}
	}
	if strings.HasPrefix(p, "{") {
		ph, rest, _ := strings.Cut(p, "}")
		ph += "}"
		if !contains(placeholders, ph) {
			return fmt.Sprintf("%s is not a placeholder; %s", ph, allowed)
		}
		if rest != "" && !strings.HasPrefix(rest, "/") {
			return fmt.Sprintf("%q: a placeholder is followed by nothing or by /sub/folder", p)
		}
		if placeholdRe.MatchString(rest) {
			return fmt.Sprintf("%q: only one placeholder, at the start", p)
		}
		return ""
	}
	if placeholdRe.MatchString(p) {
		return fmt.Sprintf("%q: a placeholder must come first; %s", p, allowed)
	}
	if driveRe.MatchString(p) {
		return checkWindowsRoot(p, allowed)
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("%q is a relative path; %s", p, allowed)
	}
	clean := path.Clean(p)
	if clean == "/" {
		return "\"/\" is the whole system; " + allowed
	}
	for _, sys := range linuxSystemDirs {
		if clean == sys || strings.HasPrefix(clean, sys+"/") {
			return fmt.Sprintf("%q is a system folder; %s", p, allowed)
		}
	}
	for _, b := range linuxBases {
		if strings.HasPrefix(clean, b+"/") {
			return ""
		}
		if clean == b {
			return fmt.Sprintf("%q is a whole shared folder; name a folder inside it, such as %s/scans", p, b)
		}
	}
	return fmt.Sprintf("%q is outside the folders Ardoise may clean; %s", p, allowed)
}

func checkWindowsRoot(p, allowed string) string {
	rest := strings.Trim(strings.ReplaceAll(p[2:], `\`, "/"), "/")
	if rest == "" {
		return fmt.Sprintf("%q is a whole drive; %s", p, allowed)
	}
	first := strings.ToLower(strings.Split(rest, "/")[0])
	switch first {
	case "windows", "program files", "program files (x86)", "programdata", "system volume information", "$recycle.bin", "recovery", "boot":
		return fmt.Sprintf("%q is a system folder; %s", p, allowed)
	case "users":
		if !strings.Contains(rest, "/") {
			return fmt.Sprintf("%q holds every user's profile; use the placeholders instead", p)
		}
	}
	return ""
}

func checkKeepPattern(k string) string {
	switch {
	case k == "":
		return "empty pattern"
	case strings.HasPrefix(k, "/") || driveRe.MatchString(k):
		return fmt.Sprintf("%q is absolute; keep patterns are relative to the root, such as Bibliotheque/**", k)
	}
	for _, c := range strings.Split(k, "/") {
		if c == ".." {
			return fmt.Sprintf("%q contains \"..\"; keep patterns stay inside the root", k)
		}
		if c == "**" {
			continue
		}
		if _, err := path.Match(c, ""); err != nil {
			return fmt.Sprintf("%q is not a valid pattern: %v", k, err)
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *validator) duration(field string, d Duration, min, max time.Duration, zeroOK bool) {
	if d == 0 && zeroOK {
		return
	}
	if d.D() < min || d.D() > max {
		extra := ""
		if zeroOK {
			extra = ", or 0 to turn it off"
		}
		v.addf(field, "%s is out of range; allowed: %s to %s%s", d, min, max, extra)
	}
}

func (v *validator) session() {
	s := v.p.Session
	v.duration("session.idle_timeout", s.IdleTimeout, time.Minute, 4*time.Hour, true)
	v.duration("session.idle_warning", s.IdleWarning, 10*time.Second, 10*time.Minute, false)
	if s.IdleTimeout != 0 && s.IdleWarning >= s.IdleTimeout {
		v.addf("session.idle_warning", "%s is not shorter than idle_timeout (%s); the warning must come before the end", s.IdleWarning, s.IdleTimeout)
	}
	v.duration("session.max_duration", s.MaxDuration, time.Minute, 24*time.Hour, true)
	v.duration("session.warn_before", s.WarnBefore, 0, time.Hour, false)
	for i, ct := range s.ClosingTimes {
		f := fmt.Sprintf("session.closing_times[%d]", i)
		if !clockRe.MatchString(ct.Time) {
			v.addf(f+".time", "%q is not a time of day; write it as HH:MM, 24-hour, such as 18:30", ct.Time)
		}
		v.oneOfEach(f+".days", ct.Days, allowedDays)
	}
	a := s.Accompanied
	if a.StaffCodeHash != "" && !codeHashRe.MatchString(a.StaffCodeHash) {
		v.addf("session.accompanied.staff_code_hash", "not a code hash; it looks like sha256: followed by 64 hexadecimal digits")
	}
	v.duration("session.accompanied.report_retention", a.ReportRetention, 24*time.Hour, 26280*time.Hour, false)
}

func (v *validator) browsers() {
	b := v.p.Browsers
	if b.Launch != "none" {
		v.oneOf("browsers.launch", b.Launch, append(append([]string{}, allowedBrowsers...), "none"))
	}
	v.oneOfEach("browsers.close", b.Close, allowedBrowsers)
	if b.StartPage != "" {
		if u, err := url.Parse(b.StartPage); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.addf("browsers.start_page", "%q is not a web address; write it like https://www.service-public.fr", b.StartPage)
		}
	}
	se := b.SearchEngine
	if se.URL != "" {
		u, err := url.Parse(strings.ReplaceAll(se.URL, "{searchTerms}", "x"))
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			v.addf("browsers.search_engine.url", "%q is not an https address; allowed: https://… with {searchTerms} where the words go", se.URL)
		case !strings.Contains(se.URL, "{searchTerms}"):
			v.addf("browsers.search_engine.url", "%q has no {searchTerms}; put it where the searched words go", se.URL)
		}
		if se.Name == "" {
			v.addf("browsers.search_engine.name", "missing; the browser shows this name")
		}
	}
}

func (v *validator) notice() {
	n := v.p.Notice
	v.oneOfEach("notice.languages", n.Languages, allowedLanguages)
	v.oneOf("notice.mode", n.Mode, allowedNoticeMode)
	for lang := range n.Text {
		if !contains(n.Languages, lang) {
			v.addf("notice.text."+lang, "%q is not one of notice.languages (%s)", lang, strings.Join(n.Languages, ", "))
		}
	}
}
