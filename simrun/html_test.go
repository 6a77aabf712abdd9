package simrun

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHTMLReportOfOneRun: -html with -seed writes the run's report and
// says where.
func TestHTMLReportOfOneRun(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "-scenario", "test/flaky", "-seed", "3", "-html", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the run fails): %s", code, stderr)
	}
	path := filepath.Join(dir, "test_flaky-seed3.html")
	if !strings.Contains(stdout, "report:   "+path) {
		t.Errorf("the output does not name the report %s:\n%s", path, stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "window.simlabReport") || !strings.Contains(string(b), "boom at the first timeout") {
		t.Errorf("report: %d bytes, %v", len(b), err)
	}
}

// TestHTMLReportsOfASweep: a sweep with -html writes a report of each
// failing run, in its worker, and prints its path with the failure.
func TestHTMLReportsOfASweep(t *testing.T) {
	for _, isolate := range []string{"-isolate=true", "-isolate=false"} {
		t.Run(isolate, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := runCLI(t, nil, "-scenario", "test/flaky", "-seeds", "6", "-html", dir, isolate)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, stderr)
			}
			failing := regexp.MustCompile(`FAIL test/flaky seed (\d+)`).FindAllStringSubmatch(stdout, -1)
			if len(failing) == 0 {
				t.Fatalf("no failure in the sweep:\n%s", stdout)
			}
			for _, f := range failing {
				path := filepath.Join(dir, "test_flaky-seed"+f[1]+".html")
				if !strings.Contains(stdout, "report: "+path) {
					t.Errorf("seed %s: the failure does not name its report %s", f[1], path)
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("seed %s: %v", f[1], err)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(failing) {
				t.Errorf("%d files for %d failing runs: only failing runs get a report", len(entries), len(failing))
			}
		})
	}
}
