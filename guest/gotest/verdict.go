package gotest

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/simlab-go/simlab/guest"
)

// Reading a test binary's output: what went wrong, in one line, and the
// part of the output that explains it. The test's own words come first: a
// t.Fatalf's message, a panic's value, the runtime's fatal error.

// detailLines bounds the lines of output a Detail keeps.
const detailLines = 60

var logLine = regexp.MustCompile(`^\s+\S+\.go:\d+: `)

func verdict(test string, r *guest.Result, out string) (v, msg, detail string) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if r.Stop != "" {
		detail = "the guest's stack where it was stopped:\n" + indent(r.Stack)
		if tail := lastLines(out, 20); tail != "" {
			detail += "\nits last output:\n" + indent(tail)
		}
		return string(r.Stop), r.Message, detail
	}
	// A panic or a fatal error of the runtime ends the binary with status
	// 2; the test's timeout is a panic of the testing package.
	for i, l := range lines {
		if r.Exit != 2 {
			break
		}
		switch {
		case strings.HasPrefix(l, "panic: test timed out after "):
			return "timeout", strings.TrimPrefix(l, "panic: ") + " of virtual time", block(lines[i:])
		case strings.HasPrefix(l, "panic: "):
			msg := strings.TrimPrefix(l, "panic: ")
			for _, note := range []string{" [recovered, repanicked]", " [recovered]"} {
				msg = strings.TrimSuffix(msg, note)
			}
			return "panic", msg, block(lines[i:])
		case strings.HasPrefix(l, "fatal error: "):
			return "fatal", l, block(lines[i:])
		}
	}
	header := "--- FAIL: " + test + " "
	for i, l := range lines {
		if !strings.HasPrefix(l, header) {
			continue
		}
		// The logs of the failed test (and of its subtests), indented under
		// its header; the last of them is what stopped it.
		var logs []string
		for _, m := range lines[i+1:] {
			if !strings.HasPrefix(m, "    ") {
				break
			}
			logs = append(logs, m)
		}
		msg = "the test failed"
		for k := len(logs) - 1; k >= 0; k-- {
			if logLine.MatchString(logs[k]) {
				msg = strings.TrimSpace(logs[k])
				break
			}
		}
		if len(logs) <= 1 {
			return "fail", msg, "" // the message says it all
		}
		return "fail", msg, block(lines[i:min(len(lines), i+1+len(logs))])
	}
	switch {
	case r.Exit == 0 && strings.Contains(out, "testing: warning: no tests to run"):
		return "no-test", fmt.Sprintf("no test is named %s in this binary", test), ""
	case r.Exit == 0:
		return "pass", "", ""
	}
	return "exit", fmt.Sprintf("the test binary exited with status %d", r.Exit), lastLines(out, 20)
}

// block is up to detailLines lines.
func block(lines []string) string {
	if len(lines) > detailLines {
		lines = append(lines[:detailLines:detailLines], fmt.Sprintf("[… %d more lines]", len(lines)-detailLines))
	}
	return strings.Join(lines, "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	if s == "" {
		return s
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
