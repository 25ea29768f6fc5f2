package policies

import (
	"fmt"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// The checks below are tables (choices, shapes, spans, uniqueLists) that
// apply to fields by their generic path ("roots[].scope"), and small rule
// functions for what a table cannot say. The JSON Schema is generated from
// the same tables (schema_test.go), so the editor and "ardoise policy check"
// agree on what is allowed.

// choice is a text field whose value is one of a fixed list.
type choice struct {
	noun    string // what one value is: "… is not a scope"
	allowed []string
}

// inherited are choices whose empty value means "as another field".
var inherited = map[string]bool{"session.accompanied.launch": true}

// choices maps a field's generic path, with list indexes written [], to its
// allowed values, in the order messages list them.
var choices = map[string]choice{
	"roots[].scope":                  {"scope", []string{"session", "all"}},
	"roots[].kind":                   {"kind of folder", []string{"downloads", "scans", "files"}},
	"roots[].protection":             {"protection", []string{"encrypt", "delete"}},
	"session.closing_times[].days[]": {"day", []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}},
	"browsers.launch":                {"browser", []string{"firefox", "chromium", "chrome", "edge", "none"}},
	"session.accompanied.launch":     {"browser", []string{"firefox", "chromium", "chrome", "edge", "none"}},
	"browsers.close[]":               {"browser", []string{"firefox", "chromium", "chrome", "edge"}},
	"traces[]":                       {"trace", []string{"trash", "recent_files", "thumbnails", "clipboard", "print_queue", "shared_memory"}},
	"notice.languages[]":             {"language", []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "ar", "uk"}},
	"notice.mode":                    {"notice mode", []string{"extend", "replace"}},
	"logging.level":                  {"log level", []string{"debug", "info", "warn", "error"}},
	"logging.format":                 {"log format", []string{"text", "json"}},
}

// shape is a text field that must match a pattern.
type shape struct {
	re       *regexp.Regexp
	optional bool   // empty is allowed
	echo     bool   // the message may repeat the value (not for secrets)
	what     string // "is not <what>"
	hint     string // how to write it
}

// accountPattern accepts a POSIX login name ([a-z_][a-z0-9_.-]*, at most 32)
// or a Windows one (at most 64, none of \/:*?"<>|[];=,+ nor control
// characters, not starting with "-", "." or a space, not ending with "." or
// a space). A name starting with "-" would read as an option to the tools
// the agent runs.
const accountPattern = `^([a-z_][a-z0-9_.-]{0,31}|[^\x00-\x20\x7f\-.\\/:*?"<>|\[\];=,+]([^\x00-\x1f\x7f\\/:*?"<>|\[\];=,+]{0,62}[^\x00-\x20\x7f.\\/:*?"<>|\[\];=,+])?)$`

var (
	accountRe  = regexp.MustCompile(accountPattern)
	clockRe    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	codeHashRe = regexp.MustCompile(`^(pbkdf2-sha256:[1-9][0-9]{0,6}:[0-9a-f]{16,128}:[0-9a-f]{32,128}|sha256:[0-9a-f]{64})$`)
	oneLineRe  = regexp.MustCompile(`^[^\x00-\x1f\x7f]*$`)
)

const accountHint = "use the login name, such as public or kiosque"

// shapes maps a field's generic path to the pattern its value must match.
var shapes = map[string]shape{
	"accounts.kiosk[]":               {re: accountRe, echo: true, what: "an account name", hint: accountHint},
	"accounts.kiosk_below_uid_min[]": {re: accountRe, echo: true, what: "an account name", hint: accountHint},
	"accounts.admin_group":           {re: accountRe, optional: true, echo: true, what: "a group name", hint: "use the group's name, such as mediateurs"},
	"roots[].also_owned_by[]":        {re: accountRe, echo: true, what: "an account name", hint: "use the login name of the service, such as saned"},
	"session.closing_times[].time": {re: clockRe, echo: true, what: "a time of day",
		hint: "write it as HH:MM, 24-hour, from 00:00 to 23:59, such as 18:30"},
	// The value is not repeated: someone may have pasted the code itself.
	"session.accompanied.staff_code_hash": {re: codeHashRe, optional: true, what: "a code hash",
		hint: `paste what "ardoise policy hash-code" prints, or leave it empty`},
}

// span is the range of a duration field.
type span struct {
	min, max time.Duration
	zeroOff  bool // 0 turns the feature off
}

// spans maps each duration field to its allowed range (policy.go documents
// the same ranges).
var spans = map[string]span{
	"session.idle_timeout":                 {time.Minute, 4 * time.Hour, true},
	"session.idle_warning":                 {10 * time.Second, 10 * time.Minute, false},
	"session.max_duration":                 {time.Minute, 24 * time.Hour, true},
	"session.warn_before":                  {0, time.Hour, false},
	"session.accompanied.report_retention": {24 * time.Hour, 26280 * time.Hour, false},
}

// uniqueLists are the lists in which a value may appear only once.
var uniqueLists = map[string]bool{
	"accounts.kiosk":               true,
	"accounts.kiosk_below_uid_min": true,
	"roots[].keep":                 true,
	"roots[].also_owned_by":        true,
	"session.closing_times[].days": true,
	"browsers.close":               true,
	"traces":                       true,
	"notice.languages":             true,
}

const (
	maxLabel  = 60   // characters of a root's label or a search engine's name
	maxNotice = 4000 // characters of a notice text
)

// placeholders are the folders resolved for the session user, in the order
// messages list them.
var placeholders = []string{"{home}", "{downloads}", "{desktop}", "{documents}", "{pictures}", "{temp}"}

// rules are the checks that need more than one field or more than a
// pattern. Each adds problems and none stops the others.
var rules = []func(v *validator){
	ruleTables,
	ruleRootsPresent,
	ruleRootPaths,
	ruleWholeHome,
	ruleScopeAllNeedsDedicated,
	ruleDuplicateRoots,
	ruleKeepPatterns,
	ruleNoSystemAccounts,
	ruleDedicatedNeedsKiosk,
	ruleBelowUIDMinIsKiosk,
	ruleEndProgramsNeedsDedicated,
	ruleIdleWarningShorter,
	ruleStartPage,
	ruleSearchEngine,
	ruleLanguagesPresent,
	ruleNoticeText,
}

// validator checks a decoded policy.
type validator struct {
	d *decoder
	p *Policy
}

func validate(p *Policy, d *decoder) {
	v := &validator{d: d, p: p}
	for _, r := range rules {
		r(v)
	}
}

// addf adds a problem about field at the field's line, unless decoding
// already reported that field or one of its parents (its value is then a
// default, and a second message would only confuse).
func (v *validator) addf(field, format string, a ...any) {
	for f := field; f != ""; {
		if v.d.reported[f] {
			return
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	line, col := v.d.pos(field)
	v.d.add(line, col, field, format, a...)
}

var indexRe = regexp.MustCompile(`\[[0-9]+\]`)

// generic turns "roots[1].keep[0]" into "roots[].keep[]".
func generic(field string) string { return indexRe.ReplaceAllString(field, "[]") }

// eachField calls fn for every field, list item and map value below v,
// with its path; map values are visited in key order so that messages come
// out in a stable order.
func eachField(v reflect.Value, field string, fn func(field string, v reflect.Value)) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if field != "" {
		fn(field, v)
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			eachField(v.Field(i), joinField(field, yamlKey(v.Type().Field(i))), fn)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			eachField(v.Index(i), fmt.Sprintf("%s[%d]", field, i), fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			eachField(v.MapIndex(k), field+"."+k.String(), fn)
		}
	}
}

// ruleTables applies choices, shapes, spans and uniqueLists.
func ruleTables(v *validator) {
	eachField(reflect.ValueOf(v.p), "", func(field string, val reflect.Value) {
		g := generic(field)
		if c, ok := choices[g]; ok && !(val.String() == "" && inherited[g]) {
			v.choice(field, val.String(), c)
		}
		if s, ok := shapes[g]; ok {
			v.shape(field, val.String(), s)
		}
		if sp, ok := spans[g]; ok {
			v.span(field, Duration(val.Int()), sp)
		}
		if uniqueLists[g] {
			v.unique(field, val)
		}
	})
}

func (v *validator) choice(field, val string, c choice) {
	if !slices.Contains(c.allowed, val) {
		v.addf(field, "%s is not a %s; allowed: %s", strQuote(val), c.noun, strings.Join(c.allowed, ", "))
	}
}

func (v *validator) shape(field, val string, s shape) {
	switch {
	case val == "" && s.optional:
	case val == "":
		v.addf(field, "missing; %s", s.hint)
	case !s.re.MatchString(val) && s.echo:
		v.addf(field, "%s is not %s; %s", strQuote(val), s.what, s.hint)
	case !s.re.MatchString(val):
		v.addf(field, "not %s; %s", s.what, s.hint)
	}
}

func (v *validator) span(field string, d Duration, sp span) {
	if d == 0 && sp.zeroOff {
		return
	}
	if d.D() < sp.min || d.D() > sp.max {
		off := ""
		if sp.zeroOff {
			off = ", or 0 to turn it off"
		}
		v.addf(field, "%s is out of range; allowed: %s to %s%s", d, shortDuration(sp.min), shortDuration(sp.max), off)
	}
}

func (v *validator) unique(field string, list reflect.Value) {
	first := map[string]int{}
	for i := 0; i < list.Len(); i++ {
		s := list.Index(i).String()
		if j, dup := first[s]; dup {
			v.addf(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice (also at %s[%d]); list it once", strQuote(s), field, j)
			continue
		}
		first[s] = i
	}
}

// shortDuration writes 4h rather than 4h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func ruleRootsPresent(v *validator) {
	if len(v.p.Roots) == 0 {
		v.addf("roots", "no folder to watch; add at least one root, such as: roots: [{path: \"{downloads}\"}]")
	}
}

func rootField(i int, sub string) string { return fmt.Sprintf("roots[%d].%s", i, sub) }

func ruleRootPaths(v *validator) {
	for i, r := range v.p.Roots {
		if msg := checkRootPath(r.Path); msg != "" {
			v.addf(rootField(i, "path"), "%s", msg)
		}
		if utf8.RuneCountInString(r.Label) > maxLabel || !oneLineRe.MatchString(r.Label) {
			v.addf(rootField(i, "label"), "a label is a short name on one line (at most %d characters)", maxLabel)
		}
	}
}

// ruleWholeHome is rm --preserve-root for home folders: a whole home folder
// is a root only for a kiosk account nobody else uses, and only to be
// emptied on purpose (threats.md D1, T6 "Policy mistakes").
func ruleWholeHome(v *validator) {
	for i, r := range v.p.Roots {
		if checkRootPath(r.Path) != "" || !isWholeHome(r.Path) {
			continue
		}
		if r.Scope != "all" || !v.p.Accounts.Dedicated {
			v.addf(rootField(i, "path"), "%s is a whole home folder; it may only be a root with scope: all and accounts.dedicated: true (a kiosk account nobody else uses); otherwise list the folders: {downloads}, {desktop}, {documents}, {pictures}", strQuote(r.Path))
		}
	}
}

// ruleScopeAllNeedsDedicated: "all" erases what was there before the
// session, which only makes sense for accounts nobody else uses.
func ruleScopeAllNeedsDedicated(v *validator) {
	if v.p.Accounts.Dedicated {
		return
	}
	for i, r := range v.p.Roots {
		if r.Scope == "all" && !isWholeHome(r.Path) {
			v.addf(rootField(i, "scope"), "\"all\" empties the folder, files from before the session included; it needs accounts.dedicated: true (kiosk accounts nobody else uses); otherwise use scope: session")
		}
	}
}

// systemAccounts are accounts whose files are never a session's and whose
// sessions are never public (lower case; Windows names ignore case).
var systemAccounts = []string{"root", "system", "administrator", "administrateur", "trustedinstaller", "localsystem"}

// ruleNoSystemAccounts: root's files in a root are kept as the admin's
// additions (threats.md D4); naming root as a kiosk account or as an owner
// of session files would make them erasable.
func ruleNoSystemAccounts(v *validator) {
	check := func(field, name string) {
		if slices.Contains(systemAccounts, strings.ToLower(name)) {
			v.addf(field, "%s is a system account; its files are never a session's and it is never a public account", strQuote(name))
		}
	}
	for i, k := range v.p.Accounts.Kiosk {
		check(fmt.Sprintf("accounts.kiosk[%d]", i), k)
	}
	for i, r := range v.p.Roots {
		for j, a := range r.AlsoOwnedBy {
			check(fmt.Sprintf("roots[%d].also_owned_by[%d]", i, j), a)
		}
	}
}

// ruleDedicatedNeedsKiosk: "dedicated" speaks of the kiosk accounts, so
// they must be named.
func ruleDedicatedNeedsKiosk(v *validator) {
	if v.p.Accounts.Dedicated && len(v.p.Accounts.Kiosk) == 0 {
		v.addf("accounts.dedicated", "true, but accounts.kiosk lists no account; name the accounts nobody else uses, such as kiosk: [public]")
	}
}

// ruleBelowUIDMinIsKiosk: the exception speaks of kiosk accounts only.
func ruleBelowUIDMinIsKiosk(v *validator) {
	for i, name := range v.p.Accounts.KioskBelowUIDMin {
		if !slices.Contains(v.p.Accounts.Kiosk, name) {
			v.addf(fmt.Sprintf("accounts.kiosk_below_uid_min[%d]", i), "%s is not in accounts.kiosk; list only kiosk accounts here", strQuote(name))
		}
	}
}

// ruleEndProgramsNeedsDedicated: ending every program of an account is
// only right for an account nobody else uses.
func ruleEndProgramsNeedsDedicated(v *validator) {
	if v.p.Accounts.EndPrograms && !v.p.Accounts.Dedicated {
		v.addf("accounts.end_programs", "true, but accounts.dedicated is false; ending every program of an account is only for kiosk accounts nobody else uses: set dedicated: true, or end_programs: false")
	}
}

func ruleDuplicateRoots(v *validator) {
	first := map[string]int{}
	for i, r := range v.p.Roots {
		if checkRootPath(r.Path) != "" {
			continue
		}
		k := rootKey(r.Path)
		if j, dup := first[k]; dup {
			v.addf(rootField(i, "path"), "same folder as roots[%d]; list each folder once", j)
			continue
		}
		first[k] = i
	}
}

// rootKey names a valid root for duplicate detection: Windows paths ignore
// case and the separator.
func rootKey(p string) string {
	if isDrivePath(p) {
		return strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
	}
	return p
}

func ruleKeepPatterns(v *validator) {
	for i, r := range v.p.Roots {
		for j, k := range r.Keep {
			if msg := checkKeepPattern(k); msg != "" {
				v.addf(fmt.Sprintf("roots[%d].keep[%d]", i, j), "%s", msg)
			}
		}
	}
}

func ruleIdleWarningShorter(v *validator) {
	s := v.p.Session
	if s.IdleTimeout != 0 && s.IdleWarning >= s.IdleTimeout {
		v.addf("session.idle_warning", "%s is not shorter than session.idle_timeout (%s); the warning must come before the end", s.IdleWarning, s.IdleTimeout)
	}
}

func ruleStartPage(v *validator) {
	for field, sp := range map[string]string{"browsers.start_page": v.p.Browsers.StartPage, "session.accompanied.start_page": v.p.Session.Accompanied.StartPage} {
		if sp == "" {
			continue
		}
		if u, err := url.Parse(sp); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.addf(field, "%s is not a web address; allowed: http:// or https:// addresses, such as https://www.service-public.fr", strQuote(sp))
		}
	}
}

func ruleSearchEngine(v *validator) {
	se := v.p.Browsers.SearchEngine
	switch {
	case se.URL == "" && se.Name != "":
		v.addf("browsers.search_engine.url", "missing; a search engine needs its address, such as https://www.qwant.com/?q={searchTerms}")
	case se.URL != "":
		u, err := url.Parse(strings.ReplaceAll(se.URL, "{searchTerms}", "x"))
		if err != nil || u.Scheme != "https" || u.Host == "" {
			v.addf("browsers.search_engine.url", "%s is not an https address; allowed: https://… with {searchTerms} where the words go", strQuote(se.URL))
		} else if !strings.Contains(se.URL, "{searchTerms}") {
			v.addf("browsers.search_engine.url", "%s has no {searchTerms}; put it where the searched words go", strQuote(se.URL))
		}
		if se.Name == "" {
			v.addf("browsers.search_engine.name", "missing; the browser shows this name in its search box")
		}
	}
	if utf8.RuneCountInString(se.Name) > maxLabel || !oneLineRe.MatchString(se.Name) {
		v.addf("browsers.search_engine.name", "a search engine's name is a short name on one line (at most %d characters)", maxLabel)
	}
}

func ruleLanguagesPresent(v *validator) {
	if len(v.p.Notice.Languages) == 0 {
		v.addf("notice.languages", "no language; the window needs at least one, such as [fr]")
	}
}

func ruleNoticeText(v *validator) {
	n := v.p.Notice
	langs := make([]string, 0, len(n.Text))
	for l := range n.Text {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	offered := strings.Join(n.Languages, ", ")
	if offered == "" {
		offered = "none"
	}
	for _, l := range langs {
		f := "notice.text." + l
		if !slices.Contains(n.Languages, l) {
			v.addf(f, "%s is not one of notice.languages (%s); add it there or remove this text", strQuote(l), offered)
		}
		if utf8.RuneCountInString(n.Text[l]) > maxNotice {
			v.addf(f, "longer than %d characters; a notice is read on screen, keep it short", maxNotice)
		}
	}
}

// Root paths.

const rootAllowed = "allowed: {downloads}, {desktop}, {documents}, {pictures}, {temp} or {home}, optionally followed by /sub/folder; a folder under /tmp, /var/tmp, /dev/shm, /srv or /home; a folder of its own on a Windows drive such as C:\\Scans"

// linuxBases are the absolute folders under which a root may live: shared
// temporary folders and site data. Everything else is a system folder or a
// place Ardoise has no business cleaning.
var linuxBases = []string{"/tmp", "/var/tmp", "/dev/shm", "/srv", "/home"}

// windowsSystem are the first folders of a Windows drive that belong to the
// system (lower case; short 8.3 names included, since Windows accepts them).
var windowsSystem = []string{
	"windows", "program files", "program files (x86)", "programdata",
	"progra~1", "progra~2", "progra~3", "system volume information",
	"$recycle.bin", "recovery", "boot", "perflogs", "config.msi",
	"$windows.~bt", "$windows.~ws", "$winreagent",
}

// windowsDevices are names that Windows takes for devices in any folder.
var windowsDevices = regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$`)

var driveRe = regexp.MustCompile(`^[A-Za-z]:[\\/]`)

func isDrivePath(p string) bool { return driveRe.MatchString(p) }

// checkRootPath is the policy's equivalent of rm --preserve-root: it refuses
// roots that are empty, relative, climb with "..", are not written plainly,
// are a system folder, a drive or file system root, a network path, or are
// outside the places a session's files can be (threats.md D1). It returns
// what is wrong, or "".
func checkRootPath(p string) string {
	switch {
	case p == "":
		return "empty; " + rootAllowed
	case strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Sprintf("%s contains a control character; %s", strQuote(p), rootAllowed)
	case strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `\/`) || strings.HasPrefix(p, `/\`):
		return fmt.Sprintf("%s is a network or device path; Ardoise never cleans network shares; %s", strQuote(p), rootAllowed)
	}
	for _, c := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if c == ".." {
			return fmt.Sprintf("%s contains \"..\"; name the folder directly; %s", strQuote(p), rootAllowed)
		}
	}
	switch {
	case strings.HasPrefix(p, "{"):
		return checkPlaceholderRoot(p)
	case isDrivePath(p):
		return checkWindowsRoot(p)
	case !strings.HasPrefix(p, "/"):
		return fmt.Sprintf("%s is a relative path; %s", strQuote(p), rootAllowed)
	}
	return checkLinuxRoot(p)
}

func checkPlaceholderRoot(p string) string {
	end := strings.IndexByte(p, '}')
	if end < 0 {
		return fmt.Sprintf("%s: the placeholder has no closing }; %s", strQuote(p), rootAllowed)
	}
	ph, rest := p[:end+1], p[end+1:]
	if !slices.Contains(placeholders, ph) {
		return fmt.Sprintf("%s is not a placeholder; %s", strQuote(ph), rootAllowed)
	}
	if rest == "" {
		return ""
	}
	if !strings.HasPrefix(rest, "/") {
		return fmt.Sprintf("%s: a placeholder is followed by nothing or by /sub/folder", strQuote(p))
	}
	if strings.ContainsAny(rest, "{}") {
		return fmt.Sprintf("%s: only one placeholder, at the start", strQuote(p))
	}
	if clean := path.Clean(rest); clean != rest || clean == "/" {
		return notPlain(p, strings.TrimSuffix(ph+clean, "/"))
	}
	return ""
}

// notPlain refuses a path with ".", "//" or a trailing "/": the agent and
// the admin must read the same folder ("{home}/" is the whole home folder).
func notPlain(p, plain string) string {
	return fmt.Sprintf("%s is not written plainly; write it as %s", strQuote(p), strQuote(plain))
}

func checkLinuxRoot(p string) string {
	clean := path.Clean(p)
	if clean != p {
		return notPlain(p, clean)
	}
	if clean == "/" {
		return fmt.Sprintf("\"/\" is the whole system; %s", rootAllowed)
	}
	first, _, _ := strings.Cut(clean[1:], "/")
	for _, b := range linuxBases {
		switch {
		case clean == b && b == "/home":
			return fmt.Sprintf("%s holds every user's home folder; %s", strQuote(p), rootAllowed)
		case clean == b:
			return fmt.Sprintf("%s is a whole shared folder; name a folder inside it, such as %s/scans", strQuote(p), b)
		case strings.HasPrefix(clean, b+"/"):
			return ""
		}
	}
	switch first {
	case "etc", "usr", "bin", "sbin", "boot", "proc", "sys", "run", "opt", "root", "dev", "var", "snap", "efi":
		return fmt.Sprintf("%s is a system folder; %s", strQuote(p), rootAllowed)
	}
	if strings.HasPrefix(first, "lib") {
		return fmt.Sprintf("%s is a system folder; %s", strQuote(p), rootAllowed)
	}
	return fmt.Sprintf("%s is outside the folders Ardoise may clean; %s", strQuote(p), rootAllowed)
}

func checkWindowsRoot(p string) string {
	parts := strings.FieldsFunc(p[3:], func(r rune) bool { return r == '/' || r == '\\' })
	if len(parts) == 0 {
		return fmt.Sprintf("%s is a whole drive; %s", strQuote(p), rootAllowed)
	}
	plain := p[:3] + strings.Join(parts, p[2:3])
	if plain != p {
		return notPlain(p, plain)
	}
	for _, c := range parts {
		if c == "." || strings.HasSuffix(c, ".") || strings.HasSuffix(c, " ") || strings.HasPrefix(c, " ") ||
			strings.ContainsAny(c, `:*?"<>|`) || windowsDevices.MatchString(c) {
			// Windows drops trailing dots and spaces ("Windows." is
			// Windows), reads ":" as a data stream and CON, NUL… as
			// devices: such names do not say which folder they mean.
			return fmt.Sprintf("%s: %s is not a plain Windows folder name; %s", strQuote(p), strQuote(c), rootAllowed)
		}
	}
	first := strings.ToLower(parts[0])
	switch {
	case slices.Contains(windowsSystem, first):
		return fmt.Sprintf("%s is a system folder; %s", strQuote(p), rootAllowed)
	case (first == "users" || first == "documents and settings") && len(parts) == 1:
		return fmt.Sprintf("%s holds every user's profile; use the placeholders {downloads}, {desktop}, … instead", strQuote(p))
	}
	return ""
}

// isWholeHome reports whether a valid root names a whole home folder:
// {home} itself, /home/NAME or C:\Users\NAME.
func isWholeHome(p string) bool {
	if p == "{home}" {
		return true
	}
	if isDrivePath(p) {
		parts := strings.FieldsFunc(p[3:], func(r rune) bool { return r == '/' || r == '\\' })
		return len(parts) == 2 && (strings.EqualFold(parts[0], "users") || strings.EqualFold(parts[0], "documents and settings"))
	}
	return strings.HasPrefix(p, "/home/") && !strings.Contains(p[len("/home/"):], "/")
}

func checkKeepPattern(k string) string {
	const hint = "keep patterns are relative to the root, with / between folders and a final / for a folder, such as Bibliotheque/**, *.lnk or Modeles/"
	switch {
	case k == "":
		return "empty pattern; " + hint
	case strings.HasPrefix(k, "/") || strings.HasPrefix(k, `\`) || isDrivePath(k):
		return fmt.Sprintf("%s is absolute; %s", strQuote(k), hint)
	case strings.IndexFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Sprintf("%s contains a control character; %s", strQuote(k), hint)
	case strings.Contains(k, `\`):
		// In a pattern "\" escapes the next character, so a Windows-style
		// "Bibliotheque\**" would silently mean something else.
		return fmt.Sprintf("%s contains \\; %s", strQuote(k), hint)
	}
	for _, c := range strings.Split(strings.TrimSuffix(k, "/"), "/") {
		switch {
		case c == "":
			// A trailing "/" says the pattern names folders; an empty part
			// elsewhere would match nothing.
			return fmt.Sprintf("%s has an empty part (//); %s", strQuote(k), hint)
		case c == "..":
			return fmt.Sprintf("%s contains \"..\"; keep patterns stay inside the root", strQuote(k))
		case c == "**":
			continue
		case strings.Contains(c, "**"):
			return fmt.Sprintf("%s: ** must be a whole part between slashes, such as Bibliotheque/**", strQuote(k))
		}
		if _, err := path.Match(c, ""); err != nil {
			return fmt.Sprintf("%s is not a valid pattern (check [ ] and \\); %s", strQuote(k), hint)
		}
	}
	return ""
}
