// Package policies defines Ardoise's policy file: what a site's IT staff
// configure (which accounts are public, which folders are watched and wiped,
// when a session ends, how browsers are set up, what the public is told) and
// how that file is read, checked and reported when it is wrong.
//
// A policy is one YAML file. It is decoded strictly: an unknown key, a value
// of the wrong type or a value outside what is allowed is an error, and every
// error is reported at once as "FILE:LINE: FIELD: what is wrong; allowed: …",
// so that an admin fixes a file in one pass. A policy that fails validation is
// never applied; the caller keeps the last good one.
//
// The field documentation below is the policy reference: docs/policy.md is
// generated from it and a test keeps the two in sync.
package policies

import "time"

// CurrentVersion is the only policy format version this build understands.
const CurrentVersion = 1

// Policy is one site's configuration.
type Policy struct {
	// Version of the policy format. Required; must be 1.
	Version int `yaml:"version"`

	// Accounts says whose sessions Ardoise looks after.
	Accounts Accounts `yaml:"accounts"`

	// Roots are the folders watched during a session and wiped at its end.
	// At least one is required.
	Roots []Root `yaml:"roots"`

	// Session sets what ends a session besides the "J'ai fini"
	// button.
	Session Session `yaml:"session"`

	// Browsers sets which browsers Ardoise opens and closes, and the managed
	// settings written for them.
	Browsers Browsers `yaml:"browsers"`

	// Traces lists the other traces cleared at session end.
	// Allowed: trash, recent_files, thumbnails, clipboard, print_queue,
	// shared_memory. Default: trash, recent_files, thumbnails. The clipboard
	// is left out of the default because only a program running in the
	// person's own graphical session can clear it; add it where the Ardoise
	// window runs in every session. On Windows, trash is the account's
	// Recycle Bin folder and recent_files the Recent items; thumbnails,
	// print_queue and shared_memory are not cleared there yet (the log says
	// so at each session).
	Traces []string `yaml:"traces"`

	// Notice is what the window tells the public.
	Notice Notice `yaml:"notice"`

	// Logging sets what the agent writes to its log.
	Logging Logging `yaml:"logging"`
}

// Accounts says whose sessions Ardoise looks after.
type Accounts struct {
	// Kiosk lists the operating-system accounts used by the public (for
	// example a shared "public" account). When the agent runs as a system
	// service, a session is only started for these accounts. When it runs in
	// the foreground as an ordinary program, it acts for the user who started
	// it and this list is not used. Never root or another system account:
	// on Linux an account whose uid is below the system's first ordinary
	// uid (UID_MIN in /etc/login.defs, 1000 when unset), such as www-data,
	// gets no session unless KioskBelowUIDMin names it. Default: empty.
	Kiosk []string `yaml:"kiosk"`

	// KioskBelowUIDMin names the kiosk accounts that may have a uid below
	// UID_MIN, for a public account made long ago as a system one. Each
	// must be in Kiosk; root never is allowed. Think twice: a system
	// account's folders are a service's data, and a session would erase
	// what it creates in them. Default: empty.
	KioskBelowUIDMin []string `yaml:"kiosk_below_uid_min"`

	// Dedicated reports whether the kiosk accounts are used by nobody else,
	// so that what was in their folders before a session may be erased too:
	// a root with scope "all", and a root that is a whole home folder, need
	// it. When true, Kiosk must list the accounts. Default: false.
	Dedicated bool `yaml:"dedicated"`

	// EndPrograms ends, at the end of a session, every program the kiosk
	// account still runs, its desktop session included (the computer then
	// shows the login screen, or logs the account in again afresh): a
	// program left running could go on writing into the next person's
	// session. Ardoise's own window is kept. System service only; needs
	// dedicated: true. Default: false (only the browsers are closed).
	EndPrograms bool `yaml:"end_programs"`

	// AdminGroup is the group whose members may act on any session through
	// the local interface, like root. Default: empty (root only).
	AdminGroup string `yaml:"admin_group"`
}

// Root is one folder watched during a session and wiped at its end.
type Root struct {
	// Path of the folder. Either begins with one of the placeholders
	// {home}, {downloads}, {desktop}, {documents}, {pictures}, {temp},
	// resolved for the session user (XDG user folders on Linux, Known
	// Folders on Windows) and optionally followed by /sub/folder, or is an
	// absolute path inside /tmp, /var/tmp, /dev/shm, /srv or /home (Linux),
	// or a folder of its own on a Windows drive (C:\Scans). Never a system
	// folder, a drive root, a network path or a path containing "..", and
	// written plainly (no "//", "/." or trailing "/"). A whole home folder
	// ("{home}", /home/NAME, C:\Users\NAME) needs scope "all" and
	// accounts.dedicated. Required.
	Path string `yaml:"path"`

	// Label is the folder's name in plain words for the window, for example
	// "Téléchargements". One line, at most 60 characters. Default: derived
	// from the placeholder, or the folder's last name.
	Label string `yaml:"label"`

	// Kind says what the files in this folder are for the public:
	// downloaded, scanned or created. Allowed: downloads, scans, files.
	// Default: downloads for {downloads}, files otherwise.
	Kind string `yaml:"kind"`

	// Scope says what the wipe removes. "session" removes only what was
	// created during the session and keeps everything that was there before;
	// "all" empties the folder except what Keep matches, and needs
	// accounts.dedicated. Allowed: session, all. Default: session.
	Scope string `yaml:"scope"`

	// Keep lists patterns, relative to the root and with "/" as separator
	// (never "\", even on Windows), of entries that are never removed
	// ("Bibliotheque/**", "*.lnk", "Modeles/").
	// "**" matches any number of folders and is a whole part between
	// slashes. A pattern keeps only the kind of entry it names: one ending
	// in "/" names folders ("Modeles/"), any other names files (and links).
	// A kept folder stays with what was in it at session start; what the
	// session puts into it is erased, and so is what the session makes of
	// the other kind under a kept name (a folder "notes.desktop/" for
	// "Bureau/*.desktop"). To keep every file below a folder, write
	// "Bibliotheque/**". Default: empty.
	Keep []string `yaml:"keep"`

	// AlsoOwnedBy lists accounts whose new files in this root also belong to
	// the session, for example the scanner service's account for a scan
	// folder. Never root or another system account: root's files are the
	// admin's and always kept. Default: empty.
	AlsoOwnedBy []string `yaml:"also_owned_by"`

	// Protection says how the session's documents in this folder are made
	// unreadable at its end. "encrypt": on Linux, when the folder is
	// beneath the home, empty at session start and on a file system that
	// can encrypt folders (ext4 with the "encrypt" feature), what the
	// session writes there is encrypted with a key made for that session
	// only and destroyed at its end, then deleted; elsewhere the folder is
	// only deleted, and the window and the receipt say so. "delete": never
	// encrypted, only deleted. Allowed: encrypt, delete. Default: encrypt.
	Protection string `yaml:"protection"`
}

// Session sets what ends a session.
type Session struct {
	// IdleTimeout ends the session after this long without keyboard or mouse
	// use, as reported by the window. 0 disables it. Between 1m and 4h.
	// Default: 15m.
	IdleTimeout Duration `yaml:"idle_timeout"`

	// IdleWarning is how long the "Je suis encore là" countdown is shown
	// before an idle end. Between 10s and 10m, and shorter than IdleTimeout.
	// Default: 60s.
	IdleWarning Duration `yaml:"idle_warning"`

	// MaxDuration ends the session after this long, whatever happens. 0
	// disables it. Between 1m and 24h. Default: 0.
	MaxDuration Duration `yaml:"max_duration"`

	// WarnBefore is how long before a maximum duration or closing time the
	// person is warned. At most 1h. Default: 5m.
	WarnBefore Duration `yaml:"warn_before"`

	// ClosingTimes end any session at fixed times of day (the site's closing
	// time). Default: none.
	ClosingTimes []ClosingTime `yaml:"closing_times"`

	// EndOnAgentStop ends (and wipes) the session when the agent is asked to
	// stop, for example at shutdown. When false the session is resumed at
	// the next start. Default: true.
	EndOnAgentStop *bool `yaml:"end_on_agent_stop"`

	// Accompanied configures sessions started by an aidant numérique.
	Accompanied Accompanied `yaml:"accompanied"`
}

// ClosingTime is a time of day at which every session ends.
type ClosingTime struct {
	// Time of day, 24-hour "HH:MM" from 00:00 to 23:59, local time.
	// Required.
	Time string `yaml:"time"`

	// Days of the week it applies to. Allowed: mon, tue, wed, thu, fri,
	// sat, sun. Default: every day.
	Days []string `yaml:"days"`
}

// Accompanied configures sessions started by an aidant numérique.
type Accompanied struct {
	// Enabled shows the "Pour l'aidant (avec un code)" entry in the window ("Pour
	// l'aidant" when no staff code is set) and accepts
	// "ardoise session start --accompanied". Default: false.
	Enabled bool `yaml:"enabled"`

	// StaffCodeHash is the hash of the code an aidant types to start an
	// accompanied session, as "ardoise policy hash-code" prints it
	// ("pbkdf2-sha256:…", salted and slow to guess: this file is readable
	// by the public's accounts). The older "sha256:" followed by the
	// code's hexadecimal SHA-256 is accepted but weak: a short code is
	// found from it at once. Wrong codes are slowed down: after 3, each
	// attempt waits 30 s, then twice as long each time. Empty means no
	// code is asked. Default: empty.
	StaffCodeHash string `yaml:"staff_code_hash"`

	// ReportRetention is how long the anonymous activity count is kept.
	// Between 24h (one day) and 26280h (three years). Default: 8760h (one
	// year).
	ReportRetention Duration `yaml:"report_retention"`

	// Launch is the browser opened, in private mode, when an accompanied
	// session starts. Allowed: firefox, chromium, chrome, edge, none.
	// Default: empty, meaning browsers.launch.
	Launch string `yaml:"launch"`

	// StartPage is the page it opens on, for instance the structure's
	// list of online services. An http or https URL. Default: empty,
	// meaning browsers.start_page.
	StartPage string `yaml:"start_page"`
}

// Browsers sets which browsers Ardoise opens and closes.
type Browsers struct {
	// Launch is the browser opened for the public, in private mode.
	// Allowed: firefox, chromium, chrome, edge, none. Default: firefox.
	Launch string `yaml:"launch"`

	// Close lists the browsers closed (and whose data is cleared) at session
	// end. Allowed: firefox, chromium, chrome, edge. Default: all four.
	Close []string `yaml:"close"`

	// StartPage is opened in the browser at session start. An http or https
	// URL. Default: empty (the browser's own page).
	StartPage string `yaml:"start_page"`

	// ForcePrivate writes managed settings that make private browsing the
	// only mode. Default: true.
	ForcePrivate *bool `yaml:"force_private"`

	// ForbidPasswordSaving writes managed settings that stop browsers from
	// offering to save passwords, and from signing in or syncing. Default:
	// true.
	ForbidPasswordSaving *bool `yaml:"forbid_password_saving"`

	// SearchEngine is the default search engine. Default: Qwant.
	SearchEngine SearchEngine `yaml:"search_engine"`
}

// SearchEngine is a browser's default search engine.
type SearchEngine struct {
	// Name shown in the browser, one line of at most 60 characters.
	// Required when URL is set.
	Name string `yaml:"name"`

	// URL of a search, with {searchTerms} where the words go. An https URL.
	// Required when Name is set.
	URL string `yaml:"url"`
}

// Notice is what the window tells the public.
type Notice struct {
	// Languages offered in the window, first one by default. Allowed: fr,
	// fr-falc (French easy to read), en, es, de, it, pt, ar, uk. At least
	// one. Default: fr, fr-falc, en, es, de, it, pt, uk.
	Languages []string `yaml:"languages"`

	// Mode says whether Text replaces the built-in privacy notice or is
	// added after it. Allowed: extend, replace. Default: extend.
	Mode string `yaml:"mode"`

	// Text is the site's own notice, per language code; each code must be
	// in Languages, and each text at most 4000 characters. A language
	// offered without its own text falls back to French. Default: empty.
	Text map[string]string `yaml:"text"`
}

// Logging sets what the agent writes to its log.
type Logging struct {
	// Level is the least important message written. File names and other
	// personal data only appear at debug. Allowed: debug, info, warn,
	// error. Default: info.
	Level string `yaml:"level"`

	// Format of lines written to standard error in the foreground. Under a
	// service manager the system log is used. Allowed: text, json.
	// Default: text.
	Format string `yaml:"format"`
}

// Duration is a time.Duration written in YAML as "90s", "15m" or "2h".
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// BrowserFor returns the browser to open, and its start page, for a
// session in mode ("public" or "accompanied").
func (p *Policy) BrowserFor(mode string) (launch, startPage string) {
	launch, startPage = p.Browsers.Launch, p.Browsers.StartPage
	if mode == "accompanied" {
		if a := p.Session.Accompanied; a.Launch != "" {
			launch = a.Launch
		}
		if a := p.Session.Accompanied; a.StartPage != "" {
			startPage = a.StartPage
		}
	}
	return launch, startPage
}
