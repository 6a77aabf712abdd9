package report

import (
	"testing"
	"time"

	_ "github.com/simlab-go/simlab/catalogue/kvcat" // registers kv/swarm
	"github.com/simlab-go/simlab/internal/browser"
	"github.com/simlab-go/simlab/scenarios"
)

// BenchmarkReportFrame draws the report of a run of over 100,000 events
// in headless Chromium: one frame of the whole run, and one of a window a
// person zooms into (a tenth of a second), per iteration. It reports the
// milliseconds each takes and the events of the run.
func BenchmarkReportFrame(b *testing.B) {
	run, out, err := Capture("kv/swarm", 1, scenarios.Options{Params: map[string]string{"clients": "40"}, CheckTimeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	path, err := WriteFile(b.TempDir(), run)
	if err != nil {
		b.Fatal(err)
	}
	page := browser.Open(b, 1400, 1000)
	start := time.Now()
	if err := page.Load(path); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	var whole, window float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := browser.Eval[float64](page, "simlabReport.setView(0, 7e9), simlabReport.draw()")
		if err != nil {
			b.Fatal(err)
		}
		z, err := browser.Eval[float64](page, "simlabReport.setView(3e9, 3.1e9), simlabReport.draw()")
		if err != nil {
			b.Fatal(err)
		}
		whole += w
		window += z
	}
	b.ReportMetric(whole/float64(b.N), "ms/whole-run-frame")
	b.ReportMetric(window/float64(b.N), "ms/zoomed-frame")
	b.ReportMetric(float64(out.Events), "events")
	b.ReportMetric(load.Seconds()*1000, "ms/load")
	if errs := page.Errors(); len(errs) > 0 {
		b.Fatalf("the page logged errors: %v", errs)
	}
}
