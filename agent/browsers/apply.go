package browsers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"time"
)

// ManifestName is the file, in the agent's state folder, that remembers
// what Apply wrote, so that Remove takes away exactly that and puts back
// what the organisation had.
const ManifestName = "browser-policies.json"

// Options say where Apply and Remove work.
type Options struct {
	// Root is prepended to every system path ("" or "/" for the real
	// system; a scratch folder for tests and packaging).
	Root string
	// StateDir holds the manifest (root-only permissions).
	StateDir string
	// DryRun reports what would change and changes nothing.
	DryRun bool
}

// Change is one file Apply or Remove wrote, restored or deleted.
type Change struct {
	Browser ID
	Path    string // without Options.Root
	// Action is "create", "update", "merge" (into the organisation's own
	// file), "unchanged", "restore", "delete" or "keep" (changed by
	// someone else since Ardoise wrote it: left alone).
	Action string
	// Conflicts are settings the organisation's file had with another
	// value, replaced by Ardoise's (restored by Remove).
	Conflicts []string
}

type manifest struct {
	Files []manifestFile `json:"files"`
}

type manifestFile struct {
	Browser ID     `json:"browser"`
	Path    string `json:"path"`
	Written string `json:"written_sha256"`
	// Original is the organisation's file as Apply found it; null when
	// there was none. Its permissions and owner are put back with it.
	Original []byte      `json:"original"`
	Mode     os.FileMode `json:"original_mode,omitempty"`
	Owner    *owner      `json:"original_owner,omitempty"`
	// Dirs are the folders Apply created, deepest first.
	Dirs []string  `json:"created_dirs"`
	When time.Time `json:"when"`
}

// ErrChangedByOthers means a policy file Ardoise wrote was changed by
// someone else since; Apply leaves it alone rather than lose their change.
var ErrChangedByOthers = errors.New("changed by someone else since Ardoise wrote it")

// Apply writes the managed settings of each browser with a policy file.
// A Chromium-family file is Ardoise's own (ardoise.json beside the
// organisation's files); Firefox's single policies.json is merged: the
// organisation's settings stay, Ardoise's are added or replace theirs,
// and the file as found is kept to put back on Remove. A file Ardoise
// wrote and someone changed since is left alone, with an error saying so.
func Apply(bs []Browser, s Settings, opt Options) ([]Change, error) {
	m, err := readManifest(opt)
	if err != nil {
		return nil, err
	}
	var changes []Change
	var errs []error
	for _, b := range bs {
		if b.PolicyFile == "" {
			continue
		}
		c, err := applyOne(&m, b, s, opt)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", b.Name, b.PolicyFile, err))
			continue
		}
		changes = append(changes, c)
	}
	if !opt.DryRun {
		if err := writeManifest(opt, m); err != nil {
			errs = append(errs, err)
		}
	}
	return changes, errors.Join(errs...)
}

func applyOne(m *manifest, b Browser, s Settings, opt Options) (Change, error) {
	c := Change{Browser: b.ID, Path: b.PolicyFile}
	path := filepath.Join(opt.Root, b.PolicyFile)
	cur, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	i := slices.IndexFunc(m.Files, func(f manifestFile) bool { return f.Path == b.PolicyFile })
	var rec manifestFile
	if i >= 0 {
		rec = m.Files[i]
		if exists && hash(cur) != rec.Written {
			return c, fmt.Errorf("%w on %s; Ardoise leaves it alone: merge by hand, or delete it and run 'ardoise browsers apply' again", ErrChangedByOthers, rec.When.Format(time.DateOnly))
		}
	} else {
		rec = manifestFile{Browser: b.ID, Path: b.PolicyFile}
		if exists {
			if b.Family != MozillaFamily {
				return c, fmt.Errorf("a file of this name exists and Ardoise did not write it; rename it (any other name in that folder is read too) and run 'ardoise browsers apply' again")
			}
			rec.Original = cur
			if fi, err := os.Stat(path); err == nil {
				rec.Mode, rec.Owner = fi.Mode().Perm(), ownerOf(fi)
			}
		}
	}
	want := PolicyJSON(b, s)
	c.Action = "create"
	if rec.Original != nil {
		want, c.Conflicts, err = mergeFirefox(rec.Original, ManagedPolicy(b, s))
		if err != nil {
			return c, fmt.Errorf("the organisation's file cannot be read, so it cannot be merged: %w; fix it or move it away", err)
		}
		c.Action = "merge"
	}
	switch {
	case exists && bytes.Equal(cur, want):
		c.Action = "unchanged"
	case exists && i >= 0:
		c.Action = "update"
	}
	if opt.DryRun || c.Action == "unchanged" {
		return c, nil
	}
	created, err := mkdirAll(opt.Root, filepath.Dir(b.PolicyFile))
	if err != nil {
		return c, err
	}
	rec.Dirs = append(created, rec.Dirs...)
	if err := writeAtomic(path, want, rec.perm(), rec.Owner); err != nil {
		return c, err
	}
	rec.Written, rec.When = hash(want), time.Now().UTC()
	if i >= 0 {
		m.Files[i] = rec
	} else {
		m.Files = append(m.Files, rec)
	}
	return c, nil
}

// perm is the mode to write the file with: the organisation's, or
// readable by all (browsers run as the users).
func (f manifestFile) perm() os.FileMode {
	if f.Original != nil && f.Mode != 0 {
		return f.Mode
	}
	return 0o644
}

// mergeFirefox adds Ardoise's settings to the organisation's
// policies.json; theirs stay unless Ardoise sets the same one.
func mergeFirefox(original []byte, ours map[string]any) ([]byte, []string, error) {
	var doc map[string]any
	if err := json.Unmarshal(original, &doc); err != nil {
		return nil, nil, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	theirs, _ := doc["policies"].(map[string]any)
	if theirs == nil {
		theirs = map[string]any{}
	}
	var conflicts []string
	// Compare through JSON: theirs came from it, ours holds ints.
	var oursJSON map[string]any
	b, _ := json.Marshal(ours)
	json.Unmarshal(b, &oursJSON)
	for _, k := range sortedKeys(oursJSON) {
		if old, ok := theirs[k]; ok && !reflect.DeepEqual(old, oursJSON[k]) {
			conflicts = append(conflicts, k)
		}
		theirs[k] = oursJSON[k]
	}
	doc["policies"] = theirs
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return append(out, '\n'), conflicts, nil
}

// Remove takes away what Apply wrote: Ardoise's own files are deleted, a
// merged file gets the organisation's content back, and folders Apply
// created are removed when empty. A file changed by someone else since is
// left in place and reported ("keep").
func Remove(opt Options) ([]Change, error) {
	m, err := readManifest(opt)
	if err != nil {
		return nil, err
	}
	var changes []Change
	var errs []error
	var left []manifestFile
	var dirs []string
	for _, rec := range m.Files {
		c := Change{Browser: rec.Browser, Path: rec.Path}
		path := filepath.Join(opt.Root, rec.Path)
		cur, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.Action = "unchanged" // already gone
		case err != nil:
			errs = append(errs, err)
			left = append(left, rec)
			continue
		case hash(cur) != rec.Written:
			c.Action = "keep"
		case rec.Original != nil:
			c.Action = "restore"
			if !opt.DryRun {
				err = writeAtomic(path, rec.Original, rec.perm(), rec.Owner)
			}
		default:
			c.Action = "delete"
			if !opt.DryRun {
				err = os.Remove(path)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rec.Path, err))
			left = append(left, rec)
			continue
		}
		if c.Action == "delete" {
			dirs = append(dirs, rec.Dirs...)
		}
		changes = append(changes, c)
	}
	if !opt.DryRun {
		// Deepest first, once every file is gone: two files may share a
		// folder Apply created for the first.
		slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
		for _, d := range dirs {
			os.Remove(filepath.Join(opt.Root, d)) // only when empty
		}
		m.Files = left
		if len(left) == 0 {
			if err := os.Remove(filepath.Join(opt.StateDir, ManifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		} else if err := writeManifest(opt, m); err != nil {
			errs = append(errs, err)
		}
	}
	return changes, errors.Join(errs...)
}

func readManifest(opt Options) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(opt.StateDir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read what Ardoise wrote for the browsers: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s is damaged (%w); Ardoise does not know what it wrote: check the browsers' policy files by hand, then delete it", filepath.Join(opt.StateDir, ManifestName), err)
	}
	return m, nil
}

func writeManifest(opt Options, m manifest) error {
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(opt.StateDir, ManifestName), b, 0o600, nil)
}

// mkdirAll creates dir under root and returns the folders it created,
// deepest first, as system paths.
func mkdirAll(root, dir string) ([]string, error) {
	var missing []string
	for d := dir; d != "/" && d != "." && d != ""; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(root, d)); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
		return nil, err
	}
	return missing, nil
}

// writeAtomic gives the new file its mode and owner (o; nil for root's)
// through its descriptor, before it takes the name: nothing is changed by
// name (RC1, docs/design.md).
func writeAtomic(path string, data []byte, perm os.FileMode, o *owner) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ardoise-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		o.apply(f)
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// PrivateForced reports whether Apply wrote managed settings on this
// computer (its manifest in stateDir) and every file it wrote still makes
// private browsing the only mode. It reads the files as they are now:
// someone may have changed them since.
func PrivateForced(stateDir string) bool {
	m, err := readManifest(Options{StateDir: stateDir})
	if err != nil || len(m.Files) == 0 {
		return false
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return false
		}
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			return false
		}
		if ff, ok := doc["policies"].(map[string]any); ok { // Firefox
			doc = ff
		}
		forced := false
		for _, k := range []string{"PrivateBrowsingModeAvailability", "IncognitoModeAvailability", "InPrivateModeAvailability"} {
			if v, ok := doc[k].(float64); ok && v == 2 {
				forced = true
			}
		}
		if !forced {
			return false
		}
	}
	return true
}
