package installer

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/ardoise-fr/ardoise/policies"
)

//go:embed linux/ardoise.service linux/ardoise-gui.desktop darwin/fr.ardoise.gui.plist
var shipped embed.FS

// Shipped returns one of the files kept beside this package, such as
// "linux/ardoise.service".
func Shipped(name string) []byte {
	b, err := shipped.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("installer: %s is not shipped: %v", name, err))
	}
	return b
}

// Name is the service's name on every system.
const Name = "ardoise"

// Paths shipped files use; install puts the real ones in their place.
const (
	packagedExe    = "/usr/bin/ardoise"
	packagedGUI    = "/usr/bin/ardoise-gui"
	packagedPolicy = "/etc/ardoise/policy.yaml"
	macGUI         = "/usr/local/bin/ardoise-gui"
)

// Target describes the computer being set up.
type Target struct {
	GOOS string
	// Exe is the agent's program and GUI the window's, as absolute paths;
	// GUI is empty when the window is not installed beside the agent.
	Exe, GUI   string
	PolicyFile string
	StateDir   string
	// MetricsDir, when set, is passed to the service (--metrics-dir).
	MetricsDir string
}

// DefaultTarget returns the usual places on goos. programData is Windows'
// %ProgramData% (C:\ProgramData when empty).
func DefaultTarget(goos, programData string) Target {
	switch goos {
	case "windows":
		if programData == "" {
			programData = `C:\ProgramData`
		}
		dir := programData + `\Ardoise`
		return Target{GOOS: goos, PolicyFile: dir + `\policy.yaml`, StateDir: dir + `\state`}
	case "darwin":
		dir := "/Library/Application Support/Ardoise"
		return Target{GOOS: goos, PolicyFile: dir + "/policy.yaml", StateDir: dir + "/state"}
	}
	return Target{GOOS: goos, PolicyFile: packagedPolicy, StateDir: "/var/lib/ardoise"}
}

// File is one file install writes.
type File struct {
	Path string
	Mode fs.FileMode
	Data []byte
	// Site marks a file that belongs to the site once written (the
	// policy): one already there is kept as it is, and uninstall removes
	// it only if nobody changed it.
	Site bool
	What string // for the admin: what the file is for
}

// RegValue is a string value install sets under HKEY_LOCAL_MACHINE.
type RegValue struct {
	Key, Name, Value string
	What             string
}

// ServiceSpec is the service as the system's service manager registers it.
type ServiceSpec struct {
	Name, DisplayName, Description string
	Exe                            string
	Args                           []string
	// Options are kardianos/service options (systemd unit text, Windows
	// recovery actions, launchd keys).
	Options map[string]any
}

// Plan is everything install adds to a computer.
type Plan struct {
	Service  ServiceSpec
	Files    []File
	Registry []RegValue
}

// For returns what install adds to t.
func For(t Target) (Plan, error) {
	if t.Exe == "" || t.PolicyFile == "" || t.StateDir == "" {
		return Plan{}, fmt.Errorf("installer: the program, the policy file and the state folder must be known")
	}
	for _, p := range []string{t.Exe, t.GUI, t.PolicyFile, t.StateDir, t.MetricsDir} {
		if p != "" && !isAbs(t.GOOS, p) {
			return Plan{}, fmt.Errorf("installer: %q is not an absolute path on %s", p, t.GOOS)
		}
	}
	args := []string{"run", "--system", "--policy", t.PolicyFile}
	if t.StateDir != DefaultTarget(t.GOOS, "").StateDir {
		args = append(args, "--state-dir", t.StateDir)
	}
	if t.MetricsDir != "" {
		args = append(args, "--metrics-dir", t.MetricsDir)
	}
	p := Plan{Service: ServiceSpec{
		Name:        Name,
		DisplayName: "Ardoise",
		Description: "Erases what each public session leaves behind (downloads, scans, browsing, open accounts).",
		Exe:         t.Exe,
		Args:        args,
		Options:     map[string]any{},
	}}
	p.Files = append(p.Files, File{Path: t.PolicyFile, Mode: 0o644, Data: policies.DefaultYAML(), Site: true,
		What: "the policy (yours to edit; kept as it is if already there)"})
	switch t.GOOS {
	case "linux":
		p.Service.Options["SystemdScript"] = SystemdUnit(t.Exe, args)
		if t.GUI != "" {
			desktop := strings.Replace(string(Shipped("linux/ardoise-gui.desktop")), "Exec="+packagedGUI+" ", "Exec="+desktopQuote(t.GUI)+" ", 1)
			p.Files = append(p.Files, File{Path: "/etc/xdg/autostart/ardoise-gui.desktop", Mode: 0o644, Data: []byte(desktop),
				What: "starts the window at every login"})
		}
	case "windows":
		// Without OnFailure, kardianos/service sets no recovery action.
		p.Service.Options["StartType"] = "automatic"
		p.Service.Options["OnFailure"] = "restart"
		p.Service.Options["OnFailureDelayDuration"] = "5s"
		p.Service.Options["OnFailureResetPeriod"] = 86400
		if t.GUI != "" {
			p.Registry = append(p.Registry, RegValue{Key: `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, Name: "Ardoise",
				Value: `"` + t.GUI + `" --keep-open --start-session`, What: "starts the window at every login"})
		}
	case "darwin":
		p.Service.Options["KeepAlive"] = true
		p.Service.Options["RunAtLoad"] = true
		if t.GUI != "" {
			plist := strings.Replace(string(Shipped("darwin/fr.ardoise.gui.plist")), "<string>"+macGUI+"</string>", "<string>"+xmlEscape(t.GUI)+"</string>", 1)
			p.Files = append(p.Files, File{Path: "/Library/LaunchAgents/fr.ardoise.gui.plist", Mode: 0o644, Data: []byte(plist),
				What: "starts the window at every login"})
		}
	default:
		return Plan{}, fmt.Errorf("installer: %s is not a system Ardoise installs on (linux, windows, darwin)", t.GOOS)
	}
	return p, nil
}

// SystemdUnit returns the shipped unit with exe and args in ExecStart.
func SystemdUnit(exe string, args []string) string {
	unit := string(Shipped("linux/ardoise.service"))
	old := "ExecStart=" + packagedExe + " run --system --policy " + packagedPolicy
	line := "ExecStart=" + systemdQuote(exe)
	for _, a := range args {
		line += " " + systemdQuote(a)
	}
	return strings.Replace(unit, old, line, 1)
}

// systemdQuote quotes a word for ExecStart when it needs it; systemd
// takes C-style escapes inside double quotes, and % starts a specifier.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;$") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", "$$")
	return `"` + r.Replace(s) + `"`
}

// desktopQuote quotes a program path for a .desktop Exec key.
func desktopQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\`$;&|<>()*?#~=%") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", "$", `\\$`, "%", "%%")
	return `"` + r.Replace(s) + `"`
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// isAbs reports whether p is absolute on the target system.
func isAbs(goos, p string) bool {
	if goos == "windows" {
		return len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
	}
	return path.IsAbs(p)
}
