package installer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/policies"
)

// fakeService records what install asks of the service manager; a real
// one would write init files as root.
type fakeService struct {
	calls      []string
	installErr error
}

func (f *fakeService) Install() error   { f.calls = append(f.calls, "install"); return f.installErr }
func (f *fakeService) Uninstall() error { f.calls = append(f.calls, "uninstall"); return nil }
func (f *fakeService) Start() error     { f.calls = append(f.calls, "start"); return nil }
func (f *fakeService) Stop() error      { f.calls = append(f.calls, "stop"); return nil }

type fakeRegistry struct{ values map[string]string }

func (r *fakeRegistry) Set(v RegValue) error { r.values[v.Key+`\`+v.Name] = v.Value; return nil }
func (r *fakeRegistry) Delete(v RegValue) error {
	if _, ok := r.values[v.Key+`\`+v.Name]; !ok {
		return errors.New("no such value")
	}
	delete(r.values, v.Key+`\`+v.Name)
	return nil
}

func TestShippedUnitIsTheDefaultOne(t *testing.T) {
	// The unit the package ships and the one install writes for the
	// packaged paths are the same text: the replacement of ExecStart found
	// its line.
	tg := DefaultTarget("linux", "")
	tg.Exe, tg.GUI = packagedExe, packagedGUI
	p, err := For(tg)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Service.Options["SystemdScript"].(string); got != string(Shipped("linux/ardoise.service")) {
		t.Errorf("unit for the packaged paths differs from linux/ardoise.service:\n%s", got)
	}
	var desktop []byte
	for _, f := range p.Files {
		if f.Path == "/etc/xdg/autostart/ardoise-gui.desktop" {
			desktop = f.Data
		}
	}
	if !bytes.Equal(desktop, Shipped("linux/ardoise-gui.desktop")) {
		t.Errorf("autostart file for the packaged paths differs from the shipped one:\n%s", desktop)
	}
}

func TestPlanLinux(t *testing.T) {
	tg := DefaultTarget("linux", "")
	tg.Exe, tg.GUI, tg.MetricsDir = "/opt/Ardoise 2/ardoise", "/opt/Ardoise 2/ardoise-gui", "/var/lib/prometheus/node-exporter"
	p, err := For(tg)
	if err != nil {
		t.Fatal(err)
	}
	unit := p.Service.Options["SystemdScript"].(string)
	want := `ExecStart="/opt/Ardoise 2/ardoise" run --system --policy /etc/ardoise/policy.yaml --metrics-dir /var/lib/prometheus/node-exporter` + "\n"
	if !strings.Contains(unit, want) {
		t.Errorf("unit lacks %q:\n%s", want, unit)
	}
	if strings.Count(unit, "ExecStart=") != 1 {
		t.Errorf("unit has %d ExecStart lines", strings.Count(unit, "ExecStart="))
	}
	if !slices.Equal(p.Service.Args, []string{"run", "--system", "--policy", "/etc/ardoise/policy.yaml", "--metrics-dir", "/var/lib/prometheus/node-exporter"}) {
		t.Errorf("args = %q", p.Service.Args)
	}
	paths := map[string]File{}
	for _, f := range p.Files {
		paths[f.Path] = f
	}
	pol, ok := paths["/etc/ardoise/policy.yaml"]
	if !ok || !pol.Site || !bytes.Equal(pol.Data, policies.DefaultYAML()) {
		t.Errorf("policy file = %+v", pol)
	}
	if d := string(paths["/etc/xdg/autostart/ardoise-gui.desktop"].Data); !strings.Contains(d, `Exec="/opt/Ardoise 2/ardoise-gui" --keep-open --start-session`+"\n") {
		t.Errorf("autostart Exec not quoted:\n%s", d)
	}
}

func TestPlanWindowsAndMac(t *testing.T) {
	tg := DefaultTarget("windows", `D:\Data`)
	tg.Exe, tg.GUI = `C:\Program Files\Ardoise\ardoise.exe`, `C:\Program Files\Ardoise\ardoise-gui.exe`
	p, err := For(tg)
	if err != nil {
		t.Fatal(err)
	}
	if p.Service.Options["OnFailure"] != "restart" || p.Service.Options["StartType"] != "automatic" {
		t.Errorf("windows service options = %v: a failed service must restart", p.Service.Options)
	}
	if len(p.Registry) != 1 || p.Registry[0].Value != `"C:\Program Files\Ardoise\ardoise-gui.exe" --keep-open --start-session` || !strings.HasSuffix(p.Registry[0].Key, `\Run`) {
		t.Errorf("registry = %+v", p.Registry)
	}
	if p.Files[0].Path != `D:\Data\Ardoise\policy.yaml` {
		t.Errorf("policy at %s", p.Files[0].Path)
	}
	if !slices.Contains(p.Service.Args, `D:\Data\Ardoise\state`) {
		t.Errorf("args %q lack the state folder", p.Service.Args)
	}

	tg = DefaultTarget("darwin", "")
	tg.Exe, tg.GUI = "/usr/local/bin/ardoise", "/Applications/Ardoise & co.app/ardoise-gui"
	p, err = For(tg)
	if err != nil {
		t.Fatal(err)
	}
	if p.Service.Options["KeepAlive"] != true || len(p.Files) != 2 || !strings.Contains(string(p.Files[1].Data), "<string>/Applications/Ardoise &amp; co.app/ardoise-gui</string>") {
		t.Errorf("mac plan = %+v\n%s", p.Service, p.Files[1].Data)
	}

	if _, err := For(Target{GOOS: "linux", Exe: "ardoise", PolicyFile: "/p", StateDir: "/s"}); err == nil {
		t.Error("a relative program path was accepted")
	}
}

// scratchTarget is a Linux target whose every path lies in a temporary
// folder, so that install can run for real with a fake service.
func scratchTarget(t *testing.T) (Target, string) {
	dir := t.TempDir()
	tg := Target{GOOS: "linux", Exe: filepath.Join(dir, "bin/ardoise"), GUI: filepath.Join(dir, "bin/ardoise-gui"),
		PolicyFile: filepath.Join(dir, "etc/ardoise/policy.yaml"), StateDir: filepath.Join(dir, "var/lib/ardoise")}
	return tg, dir
}

func TestInstallThenUninstallLeavesNothing(t *testing.T) {
	tg, dir := scratchTarget(t)
	p, err := For(tg)
	if err != nil {
		t.Fatal(err)
	}
	// Install writes the autostart file under /etc/xdg: move it into the
	// scratch folder too.
	for i := range p.Files {
		if !strings.HasPrefix(p.Files[i].Path, dir) {
			p.Files[i].Path = filepath.Join(dir, p.Files[i].Path)
		}
	}
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755) // the system's own folder
	before := tree(t, dir)
	svc := &fakeService{}
	var browsers []string
	hooks := Hooks{Service: svc, Browsers: func(remove, dry bool) error {
		browsers = append(browsers, map[bool]string{false: "apply", true: "remove"}[remove])
		return nil
	}}
	var out bytes.Buffer
	if err := Install(p, tg.StateDir, hooks, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		got, err := os.ReadFile(f.Path)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s not written as planned: %v", f.Path, err)
		}
	}
	if !slices.Equal(svc.calls, []string{"install", "start"}) || !slices.Equal(browsers, []string{"apply"}) {
		t.Errorf("service calls %v, browsers %v", svc.calls, browsers)
	}
	if err := Install(p, tg.StateDir, hooks, Options{}); !errors.Is(err, ErrInstalled) {
		t.Errorf("second install: %v, want ErrInstalled", err)
	}

	out.Reset()
	if err := Uninstall(tg.StateDir, hooks, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(svc.calls, []string{"install", "start", "stop", "uninstall"}) || !slices.Equal(browsers, []string{"apply", "remove"}) {
		t.Errorf("service calls %v, browsers %v", svc.calls, browsers)
	}
	// The state folder was created by install for its record; the agent
	// owns it afterwards, so it stays, empty.
	after := tree(t, dir)
	after = slices.DeleteFunc(after, func(s string) bool { return strings.HasPrefix(s, "var") })
	if !slices.Equal(before, after) {
		t.Errorf("uninstall left %v, want %v\n%s", after, before, out.String())
	}
	if err := Uninstall(tg.StateDir, hooks, Options{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("second uninstall: %v, want ErrNotInstalled", err)
	}
}

func TestUninstallKeepsWhatTheSiteChanged(t *testing.T) {
	tg, _ := scratchTarget(t)
	tg.GUI = ""
	p, _ := For(tg)
	svc := &fakeService{}
	if err := Install(p, tg.StateDir, Hooks{Service: svc}, Options{}); err != nil {
		t.Fatal(err)
	}
	edited := []byte("version: 1\n# our site\n")
	os.WriteFile(tg.PolicyFile, edited, 0o644)
	var out bytes.Buffer
	if err := Uninstall(tg.StateDir, Hooks{Service: svc}, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(tg.PolicyFile); !bytes.Equal(got, edited) {
		t.Errorf("the edited policy was not kept: %q", got)
	}
	if !strings.Contains(out.String(), "keep "+tg.PolicyFile) {
		t.Errorf("uninstall did not say it kept the policy:\n%s", out.String())
	}
}

func TestInstallKeepsAnExistingPolicy(t *testing.T) {
	tg, _ := scratchTarget(t)
	tg.GUI = ""
	os.MkdirAll(filepath.Dir(tg.PolicyFile), 0o755)
	site := []byte("version: 1\n")
	os.WriteFile(tg.PolicyFile, site, 0o644)
	p, _ := For(tg)
	svc := &fakeService{}
	if err := Install(p, tg.StateDir, Hooks{Service: svc}, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Uninstall(tg.StateDir, Hooks{Service: svc}, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(tg.PolicyFile); !bytes.Equal(got, site) {
		t.Errorf("the site's policy was changed or removed: %q", got)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	tg, dir := scratchTarget(t)
	p, _ := For(tg)
	svc := &fakeService{}
	var out bytes.Buffer
	if err := Install(p, tg.StateDir, Hooks{Service: svc, Browsers: func(_, dry bool) error {
		if !dry {
			t.Error("browsers applied in a dry run")
		}
		return nil
	}}, Options{DryRun: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if len(svc.calls) != 0 || len(tree(t, dir)) != 0 {
		t.Errorf("dry run changed something: service %v, files %v", svc.calls, tree(t, dir))
	}
	for _, want := range []string{"would write " + tg.PolicyFile, "would register the service", "would start the service", "would apply the browsers",
		"    ExecStart=" + tg.Exe + " run --system", "    Restart=always"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHalfInstallIsUndone(t *testing.T) {
	tg, dir := scratchTarget(t)
	tg.GUI = ""
	p, _ := For(tg)
	svc := &fakeService{installErr: errors.New("access denied")}
	if err := Install(p, tg.StateDir, Hooks{Service: svc}, Options{}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Fatalf("install error = %v", err)
	}
	svc.installErr = nil
	if err := Uninstall(tg.StateDir, Hooks{Service: svc}, Options{}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(svc.calls, "uninstall") {
		t.Error("uninstall unregistered a service that was never registered")
	}
	left := slices.DeleteFunc(tree(t, dir), func(s string) bool { return strings.HasPrefix(s, "var") })
	if len(left) != 0 {
		t.Errorf("left after undoing a half install: %v", left)
	}
}

func TestWindowsRegistryUndone(t *testing.T) {
	tg, _ := scratchTarget(t)
	tg.GOOS = "windows"
	tg.Exe, tg.GUI = `C:\A\ardoise.exe`, `C:\A\ardoise-gui.exe`
	p, err := For(tg)
	if err == nil {
		t.Fatal("a Unix state folder was accepted for Windows")
	}
	tg = DefaultTarget("windows", "")
	tg.Exe, tg.GUI = `C:\A\ardoise.exe`, `C:\A\ardoise-gui.exe`
	if p, err = For(tg); err != nil {
		t.Fatal(err)
	}
	// Files are Windows paths: keep only the registry part here.
	p.Files = nil
	state := t.TempDir()
	reg := &fakeRegistry{values: map[string]string{}}
	h := Hooks{Service: &fakeService{}, Registry: reg}
	if err := Install(p, state, h, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(reg.values) != 1 {
		t.Fatalf("registry after install: %v", reg.values)
	}
	if err := Uninstall(state, h, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(reg.values) != 0 {
		t.Errorf("registry after uninstall: %v", reg.values)
	}
}

// tree lists every path under dir, relative, sorted.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}
