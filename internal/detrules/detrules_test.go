package detrules

import (
	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allRules lists every rule; the violations fixture must plant each one.
var allRules = []string{ruleGo, ruleChannel, ruleImport, ruleRealTime, ruleMapRange, ruleGlobal}

// want is one expected violation: its file (base name), line and rule, and
// a phrase its message must contain.
type want struct {
	file string
	line int
	rule string
	hint string
}

func (w want) key() string { return fmt.Sprintf("%s:%d: %s", w.file, w.line, w.rule) }

func violationKey(v Violation) string {
	return fmt.Sprintf("%s:%d: %s", filepath.Base(v.Pos.Filename), v.Pos.Line, v.Rule)
}

// compare fails t unless vs holds exactly the violations in wants.
func compare(t *testing.T, vs []Violation, wants []want) {
	t.Helper()
	got := make(map[string]Violation)
	for _, v := range vs {
		k := violationKey(v)
		if _, dup := got[k]; dup {
			t.Errorf("reported twice: %v", v)
		}
		got[k] = v
	}
	expected := make(map[string]bool)
	for _, w := range wants {
		expected[w.key()] = true
		v, ok := got[w.key()]
		if !ok {
			t.Errorf("missing violation %s", w.key())
			continue
		}
		if !strings.Contains(v.Msg, w.hint) {
			t.Errorf("%s: message %q does not mention %q", w.key(), v.Msg, w.hint)
		}
	}
	for _, v := range vs {
		if !expected[violationKey(v)] {
			t.Errorf("unexpected violation %v", v)
		}
	}
}

func TestViolationString(t *testing.T) {
	v := Violation{
		Pos:  token.Position{Filename: "systems/kv/kv.go", Line: 12, Column: 3},
		Rule: ruleGo,
		Msg:  "go statement",
	}
	if got, want := v.String(), "systems/kv/kv.go:12:3: go: go statement"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCheckDir(t *testing.T) {
	tests := []struct {
		name  string
		dir   string
		wants []want
	}{
		{
			name: "violations",
			dir:  "testdata/violations",
			wants: []want{
				{"violations.go", 9, ruleImport, "env.Rand()"},
				{"violations.go", 10, ruleImport, "drop the locks"},
				{"violations.go", 19, ruleGo, "env.SetTimer"},
				{"violations.go", 23, ruleChannel, "env.Send"},
				{"violations.go", 24, ruleChannel, "env.Send"},
				{"violations.go", 25, ruleChannel, "*node.Recv"},
				{"violations.go", 26, ruleChannel, "select"},
				{"violations.go", 33, ruleRealTime, "env.Now()"},
				{"violations.go", 34, ruleRealTime, "env.SetTimer"},
				{"violations.go", 35, ruleRealTime, "env.SetTimer"},
				{"violations.go", 37, ruleRealTime, "env.Now()"},
				{"violations.go", 42, ruleMapRange, "iterate node.SortedKeys(m)"},
				{"violations.go", 45, ruleMapRange, "iterate node.SortedKeys(c)"},
				{"violations.go", 48, ruleMapRange, "maps.Keys(m)"},
				{"violations.go", 51, ruleMapRange, "needs a reason"},
				{"violations.go", 55, ruleMapRange, "not on or just above"},
				{"violations.go", 62, ruleMapRange, "//simlab:unordered <reason>"},
				{"violations.go", 16, ruleGlobal, "package-level variable mu"},
				{"violations.go", 68, ruleGlobal, "package-level variable counter"},
				{"violations.go", 70, ruleGlobal, "package-level variable cache"},
				{"violations.go", 72, ruleGlobal, "needs a reason"},
				{"renamed.go", 9, ruleRealTime, "env.Now()"},
				{"dotimport.go", 7, ruleRealTime, "time.After"},
				{"dotimport.go", 7, ruleChannel, "receive"},
			},
		},
		{
			name: "clean",
			dir:  "testdata/clean",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := CheckDir(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, vs, tt.wants)
		})
	}

	// The violations fixture must keep demonstrating every rule.
	for _, rule := range allRules {
		if !slices.ContainsFunc(tests[0].wants, func(w want) bool { return w.rule == rule }) {
			t.Errorf("fixture %s plants no violation of rule %q", tests[0].dir, rule)
		}
	}
}

// writeTree creates files (slash-separated path → content) under a new
// temporary directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// spawn is a file body that, after a package clause, breaks the go rule on
// line 3.
const spawn = "\nfunc Spawn() { go func() {}() }\n"

func TestCheckTree(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod":                          "module example.com/tree\n\ngo 1.26\n",
		"systems/a/a.go":                  "package a\n" + spawn + "\n// Table is a named map type.\ntype Table map[string]int\n",
		"systems/a/a_test.go":             "package a\n" + spawn,
		"systems/a/testdata/bad/bad.go":   "package bad\n" + spawn,
		"systems/_skip/skip.go":           "package skip\n" + spawn,
		"systems/.hidden/hidden.go":       "package hidden\n" + spawn,
		"systems/docs/README":             "no Go here\n",
		"systems/b/b.go":                  "package b\n\nimport \"example.com/tree/systems/a\"\n\nfunc Sum(t a.Table) (n int) {\n\tfor _, v := range t {\n\t\tn += v\n\t}\n\treturn n\n}\n",
		"other/other.go":                  "package other\n" + spawn,
		"other/ignored.go":                "//go:build ignore\n\npackage main\n" + spawn,
		"broken/broken.go":                "package broken\n\nvar x int = \"not an int\"\n",
		"cycle/p/p.go":                    "package p\n\nimport _ \"example.com/tree/cycle/q\"\n",
		"cycle/q/q.go":                    "package q\n\nimport _ \"example.com/tree/cycle/p\"\n",
		"badimport/c.go":                  "package c\n\nimport _ \"example.com/tree/nowhere\"\n",
		"systems/d/d_test.go":             "package d\n" + spawn,
		"systems/docs/example/example.go": "package example\n",
	})

	a := want{"a.go", 3, ruleGo, "go statement"}
	b := want{"b.go", 6, ruleMapRange, "range over map t"}
	other := want{"other.go", 3, ruleGo, "go statement"}
	tests := []struct {
		name    string
		subdirs []string
		wants   []want
		files   int
		wantErr string
	}{
		{name: "systems", subdirs: []string{"systems"}, wants: []want{a, b}, files: 3},
		{name: "imported but not checked", subdirs: []string{"systems/b"}, wants: []want{b}, files: 1},
		{name: "two trees", subdirs: []string{"systems/a", "other"}, wants: []want{a, other}, files: 2},
		{name: "missing subdir", subdirs: []string{"systems", "nosuchdir"}, wantErr: "nosuchdir"},
		{name: "type error", subdirs: []string{"broken"}, wantErr: "not an int"},
		{name: "import cycle", subdirs: []string{"cycle"}, wantErr: "import cycle"},
		{name: "unknown local import", subdirs: []string{"badimport"}, wantErr: "nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, files, err := checkTree(root, tt.subdirs...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			compare(t, vs, tt.wants)
			if files != tt.files {
				t.Errorf("checked %d files, want %d", files, tt.files)
			}
		})
	}

	t.Run("CheckDir without Go files", func(t *testing.T) {
		if _, err := CheckDir(filepath.Join(root, "systems/d")); err == nil {
			t.Error("CheckDir of a directory with only tests succeeded")
		}
	})
}

// repoRoot returns the directory of the go.mod above the test's working
// directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := findModule(wd)
	if err != nil {
		t.Fatal(err)
	}
	if root == "" {
		t.Fatalf("no go.mod above %s", wd)
	}
	return root
}

// TestRepositoryFollowsDeterminismRules holds the code the simulator runs
// as a node to the rules of DESIGN.md, section 13.
func TestRepositoryFollowsDeterminismRules(t *testing.T) {
	root := repoRoot(t)
	trees := []struct {
		dir      string
		required bool // false for a tree that may not exist yet
	}{
		{"sim/node", true},
		{"systems", false},
	}
	var subdirs []string
	for _, tr := range trees {
		_, err := os.Stat(filepath.Join(root, tr.dir))
		switch {
		case err == nil:
			subdirs = append(subdirs, tr.dir)
		case errors.Is(err, fs.ErrNotExist) && !tr.required:
			t.Logf("%s does not exist yet; not checked", tr.dir)
		default:
			t.Fatal(err)
		}
	}
	vs, files, err := checkTree(root, subdirs...)
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("checked no Go files under %v", subdirs)
	}
	t.Logf("checked %d files under %v", files, subdirs)
	for _, v := range vs {
		if rel, err := filepath.Rel(root, v.Pos.Filename); err == nil {
			v.Pos.Filename = rel
		}
		t.Error(v)
	}
}
