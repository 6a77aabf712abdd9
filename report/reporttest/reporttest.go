// Package reporttest looks at a run's report in a real browser for the
// catalogues' tests: the page loads without errors and opens on its
// failure, and a screenshot of it is kept.
package reporttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simlab-go/simlab/internal/browser"
	"github.com/simlab-go/simlab/report"
)

// ScreenshotDir is where Look keeps screenshots: $SIMLAB_SCREENSHOTS (the
// documents' come from SIMLAB_SCREENSHOTS=docs/img), else $SIMLAB_ARTIFACTS,
// else a directory of the system's temporary files.
func ScreenshotDir() string {
	for _, v := range []string{"SIMLAB_SCREENSHOTS", "SIMLAB_ARTIFACTS"} {
		if d := os.Getenv(v); d != "" {
			return d
		}
	}
	return filepath.Join(os.TempDir(), "simlab-artifacts")
}

// Look writes the run's report, loads it in headless Chromium (skipping
// the test without one, see browser.Open), requires that it logs no error,
// that its verdict says FAIL and that the view it opens on holds the
// failure's focus, and saves a screenshot named shot.
func Look(t *testing.T, run report.Run, shot string) {
	t.Helper()
	path, err := report.WriteFile(t.TempDir(), run)
	if err != nil {
		t.Fatal(err)
	}
	page := browser.Open(t, 1400, 1000)
	if err := page.Load(path); err != nil {
		t.Fatal(err)
	}
	verdict, err := page.Text("#verdict-line")
	if err != nil || !strings.HasPrefix(verdict, "FAIL") {
		t.Errorf("verdict %q (%v)", verdict, err)
	}
	raw, err := browser.Eval[string](page, "JSON.stringify({v: simlabReport.view(), f: simlabReport.focus()})")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		V struct{ T0, T1 float64 }
		F *struct{ T, End float64 }
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if got.F == nil || got.F.T < got.V.T0 || got.F.End > got.V.T1 {
		t.Errorf("the report opens on %+v, its failure's focus is %+v", got.V, got.F)
	}
	if errs := page.Errors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
	file := filepath.Join(ScreenshotDir(), shot)
	if err := page.Screenshot(file); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the report: %s", file)
}
