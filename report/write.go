package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
)

//go:embed assets/report.css
var css string //simlab:readonly the page's styles, embedded

//go:embed assets/report.js
var script string //simlab:readonly the page's script, embedded

//go:embed assets/report.html
var body string //simlab:readonly the page's markup, embedded

// Write renders the run as one self-contained HTML page.
func Write(w io.Writer, run Run) error {
	data, err := json.Marshal(layout(run)) // escapes <, > and &: safe inside a script element
	if err != nil {
		return fmt.Errorf("report: encoding the run: %w", err)
	}
	title := fmt.Sprintf("%s seed %d", run.Scenario, run.Seed)
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s — simlab report</title>\n<style>\n%s</style>\n</head>\n<body>\n", html.EscapeString(title), css)
	b.WriteString(body)
	b.WriteString("<script id=\"data\" type=\"application/json\">")
	b.Write(data)
	b.WriteString("</script>\n<script>\n")
	b.WriteString(script)
	b.WriteString("</script>\n</body></html>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// FileName is the name a report of one seed of a scenario gets in a
// directory: kv_local-reads-seed7.html.
func FileName(scenario string, seed uint64) string {
	return fmt.Sprintf("%s-seed%d.html", strings.ReplaceAll(scenario, "/", "_"), seed)
}

// WriteFile writes the run's report into dir (creating it) under
// FileName and returns its path.
func WriteFile(dir string, run Run) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileName(run.Scenario, run.Seed))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	err = Write(f, run)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, nil
}
