package policies

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxSize is the largest policy file accepted.
const MaxSize = 1 << 20

// Problem is one thing wrong in a policy file.
type Problem struct {
	Line  int    // 1-based; 0 when the problem concerns the whole file
	Field string // dotted path such as roots[1].scope; empty for the file
	Msg   string // what is wrong and what is allowed

	col int // orders problems on one line ([a, b, c])
}

// ValidationError lists every problem found in one policy file.
type ValidationError struct {
	File     string
	Problems []Problem
}

// Error gives one line per problem, "FILE:LINE: FIELD: what is wrong",
// sorted by line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: ", e.File, p.Line)
		} else {
			fmt.Fprintf(&b, "%s: ", e.File)
		}
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// MaxProblems is how many problems one file reports at most; past it, a
// last line says how many more there are.
const MaxProblems = 100

// Load reads, decodes and validates the policy file at path. It does not
// check who may change the file: an agent running as root uses
// LoadTrusted. It refuses a link, a FIFO or anything but a regular file.
func Load(path string) (*Policy, error) {
	f, err := openPolicy(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFrom(path, f)
}

// parseFrom reads at most MaxSize+1 bytes, so that a huge file (or
// /dev/zero) is refused without reading it all.
func parseFrom(path string, r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a policy. name is used in error messages. It
// returns a *ValidationError listing every problem, or the policy with its
// defaults filled in.
func Parse(name string, data []byte) (*Policy, error) {
	d := &decoder{lines: map[string]int{}, cols: map[string]int{}, set: map[string]bool{}, reported: map[string]bool{}}
	p := &Policy{}
	if d.parse(data, p) {
		// Validate even when some fields could not be decoded, so that the
		// admin sees every problem at once; fields already reported are
		// skipped by the validator.
		applyDefaults(p, func(f string) bool { return d.set[f] })
		validate(p, d)
	}
	if len(d.problems) == 0 {
		return p, nil
	}
	probs := d.problems
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].Line != probs[j].Line {
			return probs[i].Line < probs[j].Line
		}
		return probs[i].col < probs[j].col
	})
	if len(probs) > MaxProblems {
		more := len(probs) - MaxProblems
		probs = append(probs[:MaxProblems:MaxProblems], Problem{Line: probs[MaxProblems].Line, Msg: fmt.Sprintf("and %d more problems; fix these first", more)})
	}
	return nil, &ValidationError{File: name, Problems: probs}
}

// decoder walks a YAML node tree against the Go types by hand, so that an
// unknown key is an error at any depth and every problem is collected with its
// line. yaml.v3's own strict mode stops at the first error and is lost inside
// custom decoding (go-yaml issue #460).
type decoder struct {
	problems []Problem
	lines    map[string]int  // field path → line, for validation messages
	cols     map[string]int  // field path → column
	set      map[string]bool // fields given a value (not null)
	reported map[string]bool // fields with a problem already
}

func (d *decoder) addf(line int, field, format string, a ...any) {
	d.add(line, 0, field, format, a...)
}

// addn adds a problem at node n, whose column orders problems on one line.
func (d *decoder) addn(n *yaml.Node, field, format string, a ...any) {
	d.add(n.Line, n.Column, field, format, a...)
}

func (d *decoder) add(line, col int, field, format string, a ...any) {
	d.reported[field] = true
	d.problems = append(d.problems, Problem{Line: line, Field: field, Msg: fmt.Sprintf(format, a...), col: col})
}

// pos returns the line and column of field, or of its closest parent that
// has one.
func (d *decoder) pos(field string) (line, col int) {
	for f := field; f != ""; {
		if l, ok := d.lines[f]; ok {
			return l, d.cols[f]
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 1, 0
}

// parse decodes data into p and reports whether the file was read far enough
// for its fields to be validated.
func (d *decoder) parse(data []byte, p *Policy) bool {
	if len(data) > MaxSize {
		d.addf(0, "", "file is larger than %d bytes (1 MiB); a policy is a short text file, check that this is the right file", MaxSize)
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		d.addf(1, "", "file is empty; a policy needs at least \"version: 1\" and one root")
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		d.addf(yamlErrorLine(err), "", "not valid YAML: %s", yamlErrorText(err))
		return false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.addn(&extra, "", "a policy file holds one YAML document; remove the second \"---\"")
		return false
	} else if !errors.Is(err, io.EOF) {
		d.addf(yamlErrorLine(err), "", "not valid YAML: %s", yamlErrorText(err))
		return false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		d.addf(1, "", "file is empty; a policy needs at least \"version: 1\" and one root")
		return false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		d.addn(root, "", "a policy is a mapping of keys (version, roots, …), not %s", kindName(root))
		return false
	}
	if !anyPolicyKey(root) {
		// Whatever this file is (a link followed by mistake, /etc/shadow
		// copied over the policy), it is not a policy: its lines are not
		// quoted back as unknown keys into the logs (RCR13).
		d.addn(root, "", "this file is not an Ardoise policy: none of its keys is a policy key (version, roots, …); its content is not repeated here")
		return false
	}
	// Check the version first.
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "version" {
			v := root.Content[i+1]
			if n, err := strconv.Atoi(v.Value); err == nil && n == CurrentVersion && v.Kind == yaml.ScalarNode && v.Style != 0 {
				d.addn(v, "version", "%s in quotes is text, not the number %d, for YAML and JSON readers; write it without quotes: version: %d", describe(v), CurrentVersion, CurrentVersion)
				return false
			}
			if n, ok := parseWhole(v); !ok || n != CurrentVersion {
				// A file in another format version is not decoded
				// field by field: its keys may mean other things, and
				// a list of "unknown key" lines would hide the real
				// problem.
				d.addn(v, "version", "%s is not a policy version this Ardoise understands; allowed: %d", describe(v), CurrentVersion)
				return false
			}
		}
	}
	d.decode(root, reflect.ValueOf(p).Elem(), "")
	if p.Version == 0 {
		d.addn(root, "version", "missing; add \"version: %d\" at the top of the file", CurrentVersion)
	}
	return true
}

var durationType = reflect.TypeFor[Duration]()

func (d *decoder) decode(n *yaml.Node, v reflect.Value, field string) {
	// Anchors and aliases are refused: a policy is read by people, who
	// should see each value where it applies, and an alias is one more
	// way for two settings to change together by surprise.
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.addn(n, field, "YAML anchors and aliases (&name, *name) are not allowed in a policy; write the value out")
		return
	}
	if n.Style&yaml.TaggedStyle != 0 {
		d.addn(n, field, "YAML tags (%s) are not allowed in a policy; remove it and write the value alone", n.Tag)
		return
	}
	if field != "" {
		d.lines[field] = n.Line
		d.cols[field] = n.Column
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with no value keeps the default
	}
	d.set[field] = true
	switch {
	case v.Type() == durationType:
		d.decodeDuration(n, v, field)
		return
	case v.Kind() == reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		d.decode(n, nv.Elem(), field)
		v.Set(nv)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, field)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.addn(n, field, "%s where a list is expected; write it as [a, b] or as lines starting with \"- \"", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", field, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.addn(n, field, "%s where a mapping (key: value lines) is expected", describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.addn(k, field, "keys must be plain words")
				continue
			}
			sub := field + "." + k.Value
			if seen[k.Value] {
				d.addn(k, sub, "duplicate key; each key may appear once")
				continue
			}
			seen[k.Value] = true
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, sub)
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.addn(n, field, "%s where text is expected", describe(n))
			return
		}
		if what := notTextFor11(n); what != "" {
			d.addn(n, field, "%s unquoted is not text for every YAML reader (%s); write it in quotes: %s", n.Value, what, strconv.Quote(n.Value))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, ok := parseBool(n)
		if !ok {
			d.addn(n, field, "%s is not true or false", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		i, ok := parseWhole(n)
		if !ok {
			d.addn(n, field, "%s is not a whole number", describe(n))
			return
		}
		v.SetInt(int64(i))
	default:
		panic(fmt.Sprintf("policies: no decoder for %s", v.Type()))
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.MappingNode {
		d.addn(n, field, "%s where a mapping (key: value lines) is expected", describe(n))
		return
	}
	t := v.Type()
	byKey := map[string]int{}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		k := yamlKey(t.Field(i))
		byKey[k] = i
		keys = append(keys, k)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := joinField(field, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.addn(k, field, "keys must be plain words")
			continue
		}
		fi, ok := byKey[k.Value]
		if !ok {
			if !plainKey(k.Value) {
				// Not a word: only a short, escaped excerpt of it.
				d.addn(k, field, "unknown key %s; allowed: %s", quote(k), strings.Join(keys, ", "))
				continue
			}
			d.addn(k, sub, "unknown key%s; allowed: %s", suggest(k.Value, keys), strings.Join(keys, ", "))
			continue
		}
		if seen[k.Value] {
			d.addn(k, sub, "duplicate key; each key may appear once")
			continue
		}
		seen[k.Value] = true
		d.decode(val, v.Field(fi), sub)
	}
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.ScalarNode {
		d.addn(n, field, "%s where a duration is expected; write it like 90s, 15m or 2h", describe(n))
		return
	}
	if n.Tag == "!!int" && n.Value != "0" {
		// PyYAML reads an unquoted 90 as a number; a number is not a
		// duration for the schema either.
		d.addn(n, field, "%s has no unit; %s", n.Value, durationHint)
		return
	}
	dur, bad := parsePolicyDuration(n.Value)
	if bad != "" {
		d.addn(n, field, "%s", bad)
		return
	}
	v.SetInt(int64(dur))
}

// suggest names the allowed key closest to a misspelt one, if one is close
// enough to be what was meant.
func suggest(key string, keys []string) string {
	best, bestDist := "", 3 // at most two edits
	if len([]rune(key)) <= 4 {
		bestDist = 2
	}
	for _, k := range keys {
		if d := editDistance(strings.ToLower(key), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 {
		return len(ra) // a key that long is no typo
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// parseBool reads true and false, and the YAML 1.1 words for them (yes,
// no, on, off), which YAML 1.1 readers such as PyYAML (Ansible) and the
// JSON Schema checked through them take as booleans: a policy means the
// same to every tool that reads it.
func parseBool(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	if n.Tag == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return false, false
	}
	if n.Tag == "!!str" && n.Style == 0 {
		switch n.Value {
		case "yes", "Yes", "YES", "on", "On", "ON":
			return true, true
		case "no", "No", "NO", "off", "Off", "OFF":
			return false, true
		}
	}
	return false, false
}

// parseWhole reads a whole number, also written as YAML 1.1 and JSON
// readers see it when it has a zero fraction ("1.0" is 1 for them).
func parseWhole(n *yaml.Node) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || !wholeRe.MatchString(n.Value) {
		return 0, false
	}
	whole, _, _ := strings.Cut(n.Value, ".")
	i, err := strconv.Atoi(whole)
	return i, err == nil
}

var wholeRe = regexp.MustCompile(`^[-+]?[0-9]+(\.0*)?$`)

// YAML 1.1's implicit types, as PyYAML resolves plain scalars
// (yaml/resolver.py): what such a reader does not take as text.
var yaml11 = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`), "YAML 1.1 readers such as PyYAML and Ansible read it as true or false"},
	{regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`), "YAML 1.1 readers such as PyYAML and Ansible read it as a number in base 60: 18:00 is 1080"},
	{regexp.MustCompile(`^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$`), "YAML readers read it as a number"},
	{regexp.MustCompile(`^([-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9][0-9_]*([eE][-+][0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`), "YAML readers read it as a number"},
	{regexp.MustCompile(`^(~|null|Null|NULL)$`), "YAML readers read it as no value"},
	{regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$`), "YAML 1.1 readers read it as a date"},
	{regexp.MustCompile(`^(=|<<)$`), "YAML 1.1 readers give it a meaning of its own"},
}

// notTextFor11 says why a scalar is not text for some YAML reader, or "":
// a value of another type for this parser (YAML 1.2), or an unquoted one
// that YAML 1.1 readers resolve to another type. Such a value would mean
// one thing to the agent and another to PyYAML, Ansible or an editor.
func notTextFor11(n *yaml.Node) string {
	if n.Style != 0 {
		return "" // quoted, or a block of text: text for every reader
	}
	for _, y := range yaml11 {
		if y.re.MatchString(n.Value) {
			return y.what
		}
	}
	if n.Tag != "!!str" {
		return "YAML readers read it as " + kindName(n)
	}
	return ""
}

func yamlKey(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return k
}

// anyPolicyKey reports whether the top-level mapping n has at least one
// key of a policy.
func anyPolicyKey(n *yaml.Node) bool {
	t := reflect.TypeFor[Policy]()
	for i := 0; i+1 < len(n.Content); i += 2 {
		for j := 0; j < t.NumField(); j++ {
			if k := yamlKey(t.Field(j)); k != "" && n.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

// plainKey reports whether an unknown key looks like a mistyped key (a
// short word), which is shown as the field; anything else is quoted.
func plainKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "something else"
}

// describe names a node for an error message without repeating long text.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return quote(n)
	}
	return kindName(n)
}

func quote(n *yaml.Node) string { return strQuote(n.Value) }

// strQuote quotes a value for a message, cut to 60 characters so that a
// long value does not hide the message.
func strQuote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// yamlErrorLine extracts the line from a yaml.v3 syntax error ("yaml: line
// 3: …").
func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 1
	}
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if j > 0 {
			if l, err := strconv.Atoi(rest[:j]); err == nil {
				return l
			}
		}
	}
	return 1
}

func yamlErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, "line "); i == 0 {
		if j := strings.Index(msg, ": "); j > 0 {
			msg = msg[j+2:]
		}
	}
	return msg
}
