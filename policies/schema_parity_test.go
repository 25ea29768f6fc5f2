package policies

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// schemaParityExceptions are the files of the corpus on which the JSON
// Schema cannot agree with the Go validator, and why: what no JSON Schema
// can say. docs/policy.md lists the same. The machine's accounts and
// folders are not here: "policy check" never looks at them without
// --on-this-machine, and the corpus does not depend on them.
var schemaParityExceptions = map[string]string{
	// The YAML text itself, which a YAML reader turns into data before
	// any schema sees it.
	"anchor-alias.yaml":  "YAML anchors and aliases are resolved by the reader",
	"duplicate-key.yaml": "a key given twice: PyYAML keeps the last one",
	// Relations between values in different places.
	"idle-warning-not-shorter.yaml":      "idle_warning shorter than idle_timeout compares two values",
	"root-duplicate.yaml":                "a folder listed twice: uniqueItems compares whole roots, not their paths",
	"kiosk-below-uid-min-not-kiosk.yaml": "each name must also be in accounts.kiosk: a reference between two lists",
}

// TestSchemaAgreesWithAnIndependentValidator checks every policy of the
// corpus (testdata/invalid, testdata/valid, the examples, the built-in
// default) with the Go validator and, independently, with Debian's
// python3-jsonschema reading the file through PyYAML (YAML 1.1, as Ansible
// reads it), and fails on any file where they disagree, except the ones
// listed in schemaParityExceptions, which must still be refused by Go and
// accepted by the schema (so the list cannot outlive its reasons).
func TestSchemaAgreesWithAnIndependentValidator(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is missing (Debian: apt-get install python3-jsonschema python3-yaml)")
	}
	if out, err := exec.Command(py, "-c", "import jsonschema, yaml").CombinedOutput(); err != nil {
		t.Skipf("python3-jsonschema or python3-yaml is missing (apt-get install python3-jsonschema python3-yaml): %s", out)
	}
	var files []string
	for _, g := range []string{"testdata/invalid/*.yaml", "testdata/valid/*.yaml", "examples/*.yaml"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	files = append(files, "default.yaml")
	if len(files) < 60 {
		t.Fatalf("only %d files in the corpus", len(files))
	}
	out, err := exec.Command(py, append([]string{"testdata/schema_check.py", schemaPath}, files...)...).Output()
	if err != nil {
		t.Fatalf("schema_check.py: %v\n%s", err, out)
	}
	schemaSays := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line+"\t", "\t", 3)
		if len(f) != 3 {
			t.Fatalf("schema_check.py printed %q", line)
		}
		schemaSays[f[0]] = [2]string{f[1], f[2]}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src, _, _ := strings.Cut(string(data), "\n----------\n")
		_, goErr := Parse(filepath.Base(f), []byte(src))
		goValid := goErr == nil
		wantValid := !strings.HasPrefix(f, "testdata/invalid/")
		if goValid != wantValid {
			t.Errorf("%s: the Go validator says valid=%v (%v)", f, goValid, goErr)
		}
		s, ok := schemaSays[f]
		if !ok {
			t.Errorf("%s: no answer from schema_check.py", f)
			continue
		}
		schemaValid := s[0] == "valid"
		if why, exception := schemaParityExceptions[filepath.Base(f)]; exception && !goValid {
			if !schemaValid {
				t.Errorf("%s is listed as a case the schema cannot refuse (%s), but it refuses it (%s): remove it from schemaParityExceptions", f, why, s[1])
			}
			continue
		}
		if schemaValid != goValid {
			t.Errorf("%s: the JSON Schema (python3-jsonschema through PyYAML) says valid=%v (%s), the Go validator valid=%v:\n%v", f, schemaValid, s[1], goValid, goErr)
		}
	}
}
