package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ardoise-fr/ardoise/agent"
)

// The service runs with ProtectSystem=strict (installer/linux/ardoise.service):
// inside its sandbox every folder is read-only except ReadWritePaths, and a
// session start refuses a read-only root (code read_only). "policy check
// --on-this-machine" runs outside that sandbox, as root, where the folder
// is writable; it reads the unit and its drop-ins to say what the service
// will see.

// unitDirs are systemd's unit folders, most important first; a variable
// for the tests.
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

const unitName = "ardoise.service"

// sandbox is what the unit says about the file system.
type sandbox struct {
	strict   bool
	writable []string
	// note is said once before the roots: which unit was read, or that
	// none was found.
	note string
}

// loadSandbox reads ardoise.service as systemd would: the unit from the
// first folder that has it, then the drop-ins (ardoise.service.d/*.conf)
// of every folder, one name taken from the most important folder, applied
// in the order of their names.
func loadSandbox(dirs []string) sandbox {
	var unit string
	for _, d := range dirs {
		if p := filepath.Join(d, unitName); fileExists(p) {
			unit = p
			break
		}
	}
	if unit == "" {
		return sandbox{note: "no " + unitName + " installed: the service's sandbox (ReadWritePaths) is not checked"}
	}
	files := []string{unit}
	dropins := map[string]string{}
	for i := len(dirs) - 1; i >= 0; i-- {
		matches, _ := filepath.Glob(filepath.Join(dirs[i], unitName+".d", "*.conf"))
		for _, m := range matches {
			dropins[filepath.Base(m)] = m // a more important folder overrides
		}
	}
	names := make([]string, 0, len(dropins))
	for n := range dropins {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, dropins[n])
	}
	var sb sandbox
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			sb.note = fmt.Sprintf("cannot read %s (%v): the sandbox is not checked", f, err)
			return sandbox{note: sb.note}
		}
		sb.apply(data)
	}
	sb.note = "sandbox from " + strings.Join(files, ", ")
	if sb.strict {
		sb.note += ": ProtectSystem=strict, writable: " + strings.Join(sb.writable, " ")
	}
	return sb
}

// apply reads the [Service] settings that decide what is writable.
func (sb *sandbox) apply(data []byte) {
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if section != "[Service]" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "ProtectSystem":
			sb.strict = strings.TrimSpace(v) == "strict"
		case "ReadWritePaths":
			if strings.TrimSpace(v) == "" {
				sb.writable = nil // an empty assignment resets the list
				continue
			}
			for _, p := range strings.Fields(v) {
				sb.writable = append(sb.writable, filepath.Clean(strings.TrimLeft(p, "-+")))
			}
		}
	}
}

// allows reports whether path is writable in the sandbox. /dev (hence
// /dev/shm), /proc and /sys are not made read-only by ProtectSystem.
func (sb sandbox) allows(path string) bool {
	if !sb.strict {
		return true
	}
	for _, w := range append([]string{"/dev"}, sb.writable...) {
		if path == w || strings.HasPrefix(path, w+"/") || w == "/" {
			return true
		}
	}
	return false
}

// applySandbox turns each watched root the service could not write into
// the refusal a session start gives it inside the sandbox.
func applySandbox(acs []agent.AccountCheck, sb sandbox) []agent.AccountCheck {
	for i := range acs {
		for j, r := range acs[i].Roots {
			if r.State == "watching" && r.Path != "" && !sb.allows(r.Path) {
				acs[i].Roots[j].State, acs[i].Roots[j].Code = "refused", "read_only"
				acs[i].Roots[j].Reason = fmt.Sprintf("outside the service's ReadWritePaths (ProtectSystem=strict): the service could not erase anything there; run: systemctl edit ardoise, and add under [Service]: ReadWritePaths=%s", r.Path)
			}
		}
	}
	return acs
}
