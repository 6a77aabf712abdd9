package report

import (
	"embed"
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

//go:embed assets/js
var scripts embed.FS //simlab:readonly the page's scripts, embedded

// scriptOrder is the order the page's scripts run in. They share one
// function scope, and each may use what an earlier one defines when the
// page starts: the data and its indexes, the diagram, the panel around
// it, the linearizability view, and last the controls, which start the
// page.
var scriptOrder = []string{"data.js", "diagram.js", "panel.js", "lin.js", "controls.js"} //simlab:readonly a fixed list

// script is the page's script: the files of scriptOrder, joined inside
// one function so that their names stay out of the page's global scope.
var script = joinScripts() //simlab:readonly built once from the embedded files

func joinScripts() string {
	var b strings.Builder
	b.WriteString("// simlab's run report: the verdict, a space-time diagram drawn on a canvas\n")
	b.WriteString("// (only what is in view), the faults, and the linearizability view of each\n")
	b.WriteString("// checked history, linked with the diagram. Everything it shows comes from\n")
	b.WriteString("// the JSON data inlined in the page; it makes no network requests.\n")
	b.WriteString("\"use strict\";\n(function () {\n")
	for _, name := range scriptOrder {
		src, err := scripts.ReadFile("assets/js/" + name)
		if err != nil {
			panic(fmt.Sprintf("report: the embedded script %s: %v", name, err))
		}
		fmt.Fprintf(&b, "\n// ==== %s ====\n", name)
		b.Write(src)
	}
	b.WriteString("})();\n")
	return b.String()
}

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
