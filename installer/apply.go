package installer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/journal"
)

// ManifestName is the file, in the state folder, that remembers what
// install added so that uninstall takes away exactly that.
const ManifestName = "install.json"

// Service is what install needs of the system's service manager;
// kardianos/service's Service has these methods.
type Service interface {
	Install() error
	Uninstall() error
	Start() error
	Stop() error
}

// Registry sets and deletes values under HKEY_LOCAL_MACHINE (Windows).
type Registry interface {
	Set(RegValue) error
	Delete(RegValue) error
}

// Hooks are the parts of the system install changes besides files.
type Hooks struct {
	Service Service
	// Registry is nil where there is none.
	Registry Registry
	// Browsers applies (or, with remove, takes away) the browsers' managed
	// settings; nil skips them.
	Browsers func(remove, dryRun bool) error
}

// Options say where install works and whether it changes anything.
type Options struct {
	// Root is put before every path. When set, only files are written: the
	// service, the registry and the browsers are left alone (packaging,
	// tests).
	Root string
	// DryRun prints what would be done and does nothing.
	DryRun bool
	// Out receives one line per step.
	Out io.Writer
}

type manifest struct {
	Installed time.Time       `json:"installed"`
	Service   string          `json:"service,omitempty"`
	Files     []manifestFile  `json:"files"`
	Registry  []manifestValue `json:"registry,omitempty"`
	Browsers  bool            `json:"browsers,omitempty"`
}

type manifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Dirs are the folders install created for it, deepest first.
	Dirs []string `json:"created_dirs,omitempty"`
}

type manifestValue struct {
	Key, Name string
}

// ErrInstalled means install already ran here.
var ErrInstalled = errors.New("Ardoise is already installed here; run \"ardoise uninstall\" first (or upgrade the package)")

// ErrNotInstalled means there is nothing of install's to take away.
var ErrNotInstalled = errors.New("Ardoise was not installed here by \"ardoise install\"; if it came from a package, remove the package instead")

func (o Options) path(p string) string {
	if o.Root == "" || o.Root == "/" {
		return p
	}
	return filepath.Join(o.Root, p)
}

func (o Options) say(format string, a ...any) {
	if o.Out == nil {
		return
	}
	if o.DryRun {
		format = "would " + format
	}
	fmt.Fprintf(o.Out, format+"\n", a...)
}

// Install adds what p lists: files, registry values, the browsers'
// settings, then the service, started. What it added is recorded step by
// step in the state folder, so that uninstall can take it away even after
// an install that stopped half-way.
func Install(p Plan, stateDir string, h Hooks, o Options) error {
	mpath := filepath.Join(o.path(stateDir), ManifestName)
	if _, err := os.Lstat(mpath); err == nil {
		return fmt.Errorf("%w (%s)", ErrInstalled, mpath)
	}
	m := manifest{Installed: time.Now().UTC()}
	save := func() error {
		if o.DryRun {
			return nil
		}
		return writeManifest(mpath, m)
	}
	if !o.DryRun {
		// The agent's own folder, made as the agent makes it (on Windows
		// with a protected access list: ProgramData's would let every user
		// write in it).
		if err := journal.MakeStateDir(filepath.Dir(mpath)); err != nil {
			return err
		}
	}
	if err := save(); err != nil {
		return err
	}
	for _, f := range p.Files {
		mf, err := installFile(f, o)
		if err != nil {
			return err
		}
		if mf != nil {
			m.Files = append(m.Files, *mf)
			if err := save(); err != nil {
				return err
			}
		}
	}
	files := o.Root != "" && o.Root != "/"
	if files {
		return nil
	}
	for _, v := range p.Registry {
		o.say("set HKLM\\%s\\%s (%s)", v.Key, v.Name, v.What)
		if o.DryRun || h.Registry == nil {
			continue
		}
		if err := h.Registry.Set(v); err != nil {
			return fmt.Errorf("set HKLM\\%s\\%s: %w", v.Key, v.Name, err)
		}
		m.Registry = append(m.Registry, manifestValue{v.Key, v.Name})
		if err := save(); err != nil {
			return err
		}
	}
	if h.Browsers != nil {
		o.say("apply the browsers' managed settings (private mode forced, no passwords)")
		if err := h.Browsers(false, o.DryRun); err != nil {
			return fmt.Errorf("apply the browsers' settings: %w", err)
		}
		if !o.DryRun {
			m.Browsers = true
			if err := save(); err != nil {
				return err
			}
		}
	}
	o.say("register the service %q: %s %v", p.Service.Name, p.Service.Exe, p.Service.Args)
	if unit, ok := p.Service.Options["SystemdScript"].(string); ok && o.DryRun && o.Out != nil {
		fmt.Fprintf(o.Out, "  with this systemd unit (/etc/systemd/system/%s.service):\n", p.Service.Name)
		for _, line := range strings.Split(strings.TrimRight(unit, "\n"), "\n") {
			fmt.Fprintln(o.Out, "    "+line)
		}
	}
	if o.DryRun {
		o.say("start the service %q", p.Service.Name)
		return nil
	}
	if err := h.Service.Install(); err != nil {
		return fmt.Errorf("register the service: %w", err)
	}
	m.Service = p.Service.Name
	if err := save(); err != nil {
		return err
	}
	o.say("start the service %q", p.Service.Name)
	if err := h.Service.Start(); err != nil {
		return fmt.Errorf("the service is registered but did not start (see its log): %w", err)
	}
	return nil
}

func installFile(f File, o Options) (*manifestFile, error) {
	dst := o.path(f.Path)
	if _, err := os.Lstat(dst); err == nil {
		if f.Site {
			o.say("keep %s, already there (%s)", f.Path, f.What)
			return nil, nil
		}
		return nil, fmt.Errorf("%s already exists and is not Ardoise's: move it away, then install again", f.Path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	o.say("write %s (%s)", f.Path, f.What)
	if o.DryRun {
		return nil, nil
	}
	dirs, err := mkdirAll(filepath.Dir(dst))
	if err != nil {
		return nil, fmt.Errorf("create the folder of %s: %w", f.Path, err)
	}
	if err := writeNew(dst, f.Data, f.Mode); err != nil {
		return nil, fmt.Errorf("write %s: %w", f.Path, err)
	}
	mf := &manifestFile{Path: f.Path, SHA256: sum(f.Data)}
	for _, d := range dirs {
		mf.Dirs = append(mf.Dirs, unroot(o, d))
	}
	return mf, nil
}

// Uninstall takes away what Install recorded: the service (stopped first),
// the browsers' settings, registry values, and every file still as install
// wrote it. A file someone changed since (the policy, usually) is kept and
// named.
func Uninstall(stateDir string, h Hooks, o Options) error {
	mpath := filepath.Join(o.path(stateDir), ManifestName)
	data, err := os.ReadFile(mpath)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotInstalled
	}
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s is damaged (%w); remove Ardoise's files by hand, see docs/admin.md", mpath, err)
	}
	var errs []error
	if m.Service != "" {
		o.say("stop the service %q", m.Service)
		if !o.DryRun {
			h.Service.Stop() // a stopped service is fine
		}
		o.say("unregister the service %q", m.Service)
		if !o.DryRun {
			if err := h.Service.Uninstall(); err != nil {
				errs = append(errs, fmt.Errorf("unregister the service: %w", err))
			}
		}
	}
	if m.Browsers && h.Browsers != nil {
		o.say("take away the browsers' managed settings")
		if err := h.Browsers(true, o.DryRun); err != nil {
			errs = append(errs, fmt.Errorf("take away the browsers' settings: %w", err))
		}
	}
	for _, v := range m.Registry {
		o.say("delete HKLM\\%s\\%s", v.Key, v.Name)
		if !o.DryRun && h.Registry != nil {
			if err := h.Registry.Delete(RegValue{Key: v.Key, Name: v.Name}); err != nil {
				errs = append(errs, fmt.Errorf("delete HKLM\\%s\\%s: %w", v.Key, v.Name, err))
			}
		}
	}
	for i := len(m.Files) - 1; i >= 0; i-- {
		if err := removeFile(m.Files[i], o); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	o.say("delete %s", mpath)
	if !o.DryRun {
		if err := os.Remove(mpath); err != nil {
			return err
		}
	}
	return nil
}

func removeFile(f manifestFile, o Options) error {
	dst := o.path(f.Path)
	data, err := os.ReadFile(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		o.say("skip %s, already gone", f.Path)
	case err != nil:
		return fmt.Errorf("read %s: %w", f.Path, err)
	case sum(data) != f.SHA256:
		o.say("keep %s: changed since install (delete it yourself if you no longer need it)", f.Path)
		return nil
	default:
		o.say("delete %s", f.Path)
		if !o.DryRun {
			if err := os.Remove(dst); err != nil {
				return fmt.Errorf("delete %s: %w", f.Path, err)
			}
		}
	}
	for _, d := range f.Dirs {
		if o.DryRun {
			o.say("delete the folder %s if empty", d)
			continue
		}
		if os.Remove(o.path(d)) == nil {
			o.say("delete the folder %s", d)
		}
	}
	return nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func unroot(o Options, p string) string {
	if o.Root == "" || o.Root == "/" {
		return p
	}
	rel, err := filepath.Rel(o.Root, p)
	if err != nil {
		return p
	}
	return string(filepath.Separator) + rel
}

// mkdirAll creates dir and its missing parents, and returns those it
// created, deepest first.
func mkdirAll(dir string) ([]string, error) {
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return created, nil
}

// writeNew writes a file that must not exist yet, through a temporary
// name so that a crash never leaves half a file.
func writeNew(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ardoise-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A link, not a rename: it fails if someone created the file meanwhile.
	return os.Link(tmp.Name(), path)
}

func writeManifest(path string, m manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("record what was installed: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("record what was installed: %w", err)
	}
	return nil
}
