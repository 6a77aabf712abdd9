package scenarios

import (
	"strings"
	"testing"
)

// TestARegressionTestImportsWhatRegistersItsScenario: a regression test
// written outside the package that registers its scenario imports that
// package (without it, the test finds no scenario of that name); inside
// it, it does not (an import cycle); a scenario registered by test files
// gets a note of where the test must live instead.
func TestARegressionTestImportsWhatRegistersItsScenario(t *testing.T) {
	if got := packagePath("github.com/simlab-go/simlab/catalogue/raftcat.init.0"); got != "github.com/simlab-go/simlab/catalogue/raftcat" {
		t.Errorf("packagePath = %q", got)
	}
	defer func(saved map[string]registration) { registeredBy = saved }(registeredBy)
	registeredBy = map[string]registration{
		"cat/bug":  {"github.com/simlab-go/simlab/catalogue/raftcat", true},
		"test/bug": {"github.com/simlab-go/simlab/simrun_test", false},
		"test/own": {"github.com/simlab-go/simlab/simrun", false},
	}
	imp := `_ "github.com/simlab-go/simlab/catalogue/raftcat" // registers cat/bug`
	for _, tc := range []struct {
		scenario, pkg string
		want, not     string
	}{
		{"cat/bug", "regression", imp, ""},
		{"cat/bug", "raftcat", "", imp},
		{"test/bug", "regression", "It must live in package github.com/simlab-go/simlab/simrun_test", "_ \""},
		{"test/own", "regression", "It must live in package github.com/simlab-go/simlab/simrun, whose test files", "_ \""},
		{"test/own", "simrun", "", "must live"},
	} {
		m := &Minimized{Scenario: tc.scenario, Seed: 1}
		test := m.RegressionTest(tc.pkg)
		if tc.want != "" && !strings.Contains(test, tc.want) || tc.not != "" && strings.Contains(test, tc.not) {
			t.Errorf("%s in package %s:\n%s\nwant %q, not %q", tc.scenario, tc.pkg, test, tc.want, tc.not)
		}
	}
}
