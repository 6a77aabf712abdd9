// Package detrules checks Go source against the determinism rules that code
// under systems/ and sim/node must follow (DESIGN.md, section 13): a node runs
// inside a simulator that replays a whole run from one seed, so it must not
// start goroutines, use channels, read the real clock, draw randomness or
// touch files and sockets behind the simulator's back, and map iteration
// order must never reach its behaviour.
//
// The checker enforces what can be seen in the source. It reports these
// rules, by the name that appears in [Violation.Rule]:
//
//   - "go": a go statement.
//   - "channel": a channel type, send, receive, range over a channel, or a
//     select statement.
//   - "import": an import of sync, sync/atomic, os, net, io/fs, io/ioutil,
//     path/filepath, math/rand, math/rand/v2, crypto/rand, unsafe, runtime,
//     syscall or log, or of a package below sync, os, net, runtime or log.
//   - "realtime": any reference to time.Now, Sleep, After, AfterFunc, Tick,
//     NewTimer, NewTicker, Since or Until, however package time was
//     imported. time.Duration and constants such as time.Millisecond are
//     fine.
//   - "maprange": a for-range statement over a map (including a named map
//     type, a type parameter whose constraint is a map type, and the
//     iterators maps.All, maps.Keys and maps.Values), unless it carries an
//     annotation. Annotation mistakes are reported under the same rule.
//
// A range over a map whose order cannot matter (filling a slice that is
// sorted next, summing, deleting every key) is allowed when the line before
// the for statement, or the for statement's own line, has a comment of the
// form
//
//	//simlab:unordered <why the order cannot reach behaviour or output>
//
// (for a labelled loop the label's line counts as the for statement's
// line). An annotation without a reason, or one that does not sit on or
// just above a range over a map, is itself a violation.
//
// Telling a map from a slice takes type information, so every checked
// package is type-checked with go/types. Packages of the module that
// contains the checked directory (found by walking up to go.mod) are parsed
// and type-checked from source by this package; everything else, in
// practice the standard library, is type-checked from source by
// go/importer's "source" importer. Files are selected as go build would
// select them for the host (build constraints apply, _test.go files are
// left out). A package that does not type-check is an error, not a pass.
package detrules

import (
	"cmp"
	"errors"
	"fmt"
	"go/build"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Violation is one breach of a determinism rule.
type Violation struct {
	// Pos is where the offending construct starts.
	Pos token.Position
	// Rule is the short name of the rule broken: "go", "channel", "import",
	// "realtime" or "maprange".
	Rule string
	// Msg says what is wrong and what to do instead.
	Msg string
}

// String formats v as "file:line:col: rule: msg".
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s: %s", v.Pos, v.Rule, v.Msg)
}

// CheckDir checks the package in directory dir: all its non-test .go files
// that go build would compile on this machine. It is an error if dir holds
// no such file, or if the package (or a package it imports) does not
// type-check. Violations are sorted by position.
func CheckDir(dir string) ([]Violation, error) {
	l, err := newLoader(dir)
	if err != nil {
		return nil, err
	}
	vs, _, err := l.checkDir(dir)
	if err != nil {
		return nil, err
	}
	sortViolations(vs)
	return vs, nil
}

// CheckTree checks every package in the trees rooted at root/subdir for each
// subdir, or in the tree rooted at root when no subdir is given. Like the go
// command, it skips directories named testdata and those whose name starts
// with "." or "_", and it never looks at _test.go files; directories without
// Go files are passed over. It is an error if a named subdir does not
// exist, so a misspelt path cannot pass silently. Violations are sorted by
// position.
func CheckTree(root string, subdirs ...string) ([]Violation, error) {
	vs, _, err := checkTree(root, subdirs...)
	return vs, err
}

// checkTree is CheckTree that also reports how many files it checked.
func checkTree(root string, subdirs ...string) ([]Violation, int, error) {
	if len(subdirs) == 0 {
		subdirs = []string{"."}
	}
	l, err := newLoader(root)
	if err != nil {
		return nil, 0, err
	}
	var all []Violation
	files := 0
	for _, sub := range subdirs {
		start := filepath.Join(root, sub)
		info, err := os.Stat(start)
		if err != nil {
			return nil, 0, err
		}
		if !info.IsDir() {
			return nil, 0, fmt.Errorf("detrules: %s is not a directory", start)
		}
		err = filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if path != start && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			vs, n, err := l.checkDir(path)
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			if err != nil {
				return err
			}
			all = append(all, vs...)
			files += n
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	sortViolations(all)
	return all, files, nil
}

// skipDir reports whether the go command would ignore a directory of this
// name when expanding a ./... pattern.
func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}
