package faults

import (
	"fmt"
	"strings"
	"time"
)

// Action is one timed fault. Its text form is "AT OP ARGS...", for example
// "1.5s crash s1" or "3s partition s0,s1|s2,s3,s4"; see Ops for every
// operation and its arguments.
type Action struct {
	At   time.Duration
	Op   string
	Args []string
}

// Schedule is a fault schedule: actions in time order. Its text form joins
// actions with "; ".
type Schedule []Action

// MaxActionTime is the latest time an action may have: the virtual-time
// budget of a run (sim.Config.MaxTime's default).
const MaxActionTime = 24 * time.Hour

// String formats the action in its text form.
func (a Action) String() string {
	s := a.At.String() + " " + a.Op
	if len(a.Args) > 0 {
		s += " " + strings.Join(a.Args, " ")
	}
	return s
}

// String formats the schedule in its text form; "none" when empty.
func (s Schedule) String() string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, a := range s {
		parts[i] = a.String()
	}
	return strings.Join(parts, "; ")
}

// worldSeparator joins the schedules of a run's worlds in text form.
const worldSeparator = " / "

// Join formats the schedules of a run of several worlds, in the order the
// run made them: "1s crash s1 / none". ParseWorlds reads it back.
func Join(ws []Schedule) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, worldSeparator)
}

// Parse parses a schedule's text form: actions separated by ";" or
// newlines, blank parts and "#" comments ignored, "none" for no faults.
// Every action is checked (Validate) and the actions must be in time
// order.
func Parse(text string) (Schedule, error) {
	var s Schedule
	text = strings.ReplaceAll(text, "\n", ";")
	if strings.EqualFold(strings.TrimSpace(text), "none") {
		return Schedule{}, nil
	}
	for _, part := range strings.Split(text, ";") {
		if i := strings.Index(part, "#"); i >= 0 {
			part = part[:i]
		}
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("fault action %q: want \"AT OP ARGS\", e.g. \"1.5s crash s1\"", strings.TrimSpace(part))
		}
		at, err := time.ParseDuration(f[0])
		if err != nil || at < 0 {
			return nil, fmt.Errorf("fault action %q: %q is not a time; write a Go duration such as 1.5s or 300ms", strings.TrimSpace(part), f[0])
		}
		if at > MaxActionTime {
			return nil, fmt.Errorf("fault action %q: %v is past the run's %v virtual-time budget; no run lasts that long", strings.TrimSpace(part), at, MaxActionTime)
		}
		a := Action{At: at, Op: f[1], Args: f[2:]}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		s = append(s, a)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("fault schedule %q holds no action: write none for a run without faults", strings.TrimSpace(text))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseWorlds parses the schedules of a run of several worlds, one per
// world in the order the scenario makes them, separated by "/" with a space
// on at least one side (the form Join prints): "1s crash s1 / none". A "/"
// inside a word is part of it: a file name such as raft/raft.log.
func ParseWorlds(text string) ([]Schedule, error) {
	var out []Schedule
	for _, part := range splitWorlds(text) {
		s, err := Parse(part)
		if err != nil {
			if strings.Contains(part, "/") {
				err = fmt.Errorf("%w (to separate the schedules of several worlds, put a space before or after the /)", err)
			}
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// splitWorlds splits text at each "/" that is not inside a word.
func splitWorlds(text string) []string {
	var parts []string
	start := 0
	space := func(i int) bool {
		return i < 0 || i >= len(text) || strings.ContainsRune(" \t\n;", rune(text[i]))
	}
	for i := 0; i < len(text); i++ {
		if text[i] == '/' && (space(i-1) || space(i+1)) {
			parts = append(parts, text[start:i])
			start = i + 1
		}
	}
	return append(parts, text[start:])
}
