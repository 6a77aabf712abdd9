package faults

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kinds of argument the built-in operations take. An operation of
// one's own builds its grammar from these, or from Args of its own.

// NodeArg is a node's name or a role ("leader", "leader+1").
func NodeArg(name string) Arg {
	return Arg{Name: name, Nodes: one}
}

// NameArg is a node's name, never a role: what a restart takes, since a
// node that is down plays no role.
func NameArg(name string) Arg {
	return Arg{Name: name, Nodes: one, Check: func(v string) error {
		if _, _, ok := SplitRole(v); ok {
			return fmt.Errorf("restart takes a node's name, not a role: a node that is down plays no role")
		}
		return nil
	}}
}

// DurArg is a non-negative duration such as 500ms that shrinks by half
// (or not at all, with shrink false).
func DurArg(name string, optional, shrink bool) Arg {
	a := Arg{Name: name, Optional: optional, Check: func(v string) error { _, err := ParseDur(v); return err }}
	if shrink {
		a.Shrink = halfDuration
	}
	return a
}

// ProbArg is a probability in [0, 1] that shrinks by half.
func ProbArg(name string) Arg {
	return Arg{Name: name, Shrink: halfRate, Check: func(v string) error { _, err := ParseProb(v); return err }}
}

// WordArg is one of a fixed set of words, for operation op.
func WordArg(op, name string, words ...string) Arg {
	return Arg{Name: name, Check: func(v string) error {
		if !slices.Contains(words, v) {
			list := strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
			return fmt.Errorf("%s takes %s, not %q", op, list, v)
		}
		return nil
	}}
}

// The bounds of a clock action: an offset of at most maxSkew either way,
// and a rate between half and twice the true one.
const (
	maxSkew  = time.Hour
	minDrift = -0.5
	maxDrift = 1.0
)

// skewArg is a clock's offset, within ±maxSkew; it shrinks by half.
var skewArg = Arg{Name: "SKEW", Shrink: halfDuration, Check: func(v string) error {
	skew, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("skew %q is not a duration", v)
	}
	if skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("skew %v is beyond ±%v: no clock a system is run with is that far off; write a smaller offset", skew, maxSkew)
	}
	return nil
}}

// driftArg is a clock's rate error in s/s, within [minDrift, maxDrift];
// it shrinks to 0.
var driftArg = Arg{Name: "DRIFT",
	Shrink: func(v string) (string, bool) { return "0", v != "0" },
	Check: func(v string) error {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(d) || math.IsInf(d, 0) || d <= -1 {
			return fmt.Errorf("drift %q must be a number greater than -1", v)
		}
		if d < minDrift || d > maxDrift {
			return fmt.Errorf("drift %v is outside [%v, %v]: a clock between half and twice the true rate is already far past any crystal's; write a rate in that range", d, minDrift, maxDrift)
		}
		return nil
	}}

// groupsArg is nodes in groups, "A,B|C,D": a partition's sides (at least
// two, or exactly three with a lone bridge node in the middle).
func groupsArg(name string, bridge bool) Arg {
	return Arg{Name: name, Nodes: members, Drop: dropMembers("|"), Check: func(v string) error {
		g := strings.Split(v, "|")
		switch {
		case bridge && (len(g) != 3 || strings.Contains(g[1], ",")):
			return fmt.Errorf("bridge takes LEFT|BRIDGE|RIGHT with one bridge node, e.g. s0,s1|s2|s3,s4")
		case !bridge && len(g) < 2:
			return fmt.Errorf("a partition needs two groups or more, e.g. s0,s1|s2,s3,s4 (to cut one node off, use isolate)")
		}
		return distinct(g)
	}}
}

// listArg is a list of distinct nodes, "A,B,C": a ring (three or more)
// or a link cut both ways (exactly two).
func listArg(name string, ring bool) Arg {
	return Arg{Name: name, Nodes: members, Drop: dropMembers(","), Check: func(v string) error {
		if ring {
			if r := strings.Split(v, ","); len(r) < 3 {
				return fmt.Errorf("a ring needs three nodes or more")
			}
			return distinct([]string{v})
		}
		p := strings.Split(v, ",")
		if len(p) != 2 || p[0] == "" || p[1] == "" {
			return fmt.Errorf("cut takes A,B")
		}
		if p[0] == p[1] {
			return fmt.Errorf("a link needs two different nodes")
		}
		return nil
	}}
}

// NodesArg is a list of at least least distinct nodes, "A,B,C", for
// operation op: nodes that act together (proposers of one instance, say).
// A node gone in minimization leaves the list.
func NodesArg(op, name string, least int) Arg {
	return Arg{Name: name, Nodes: members, Drop: dropMembers(","), Check: func(v string) error {
		if n := len(strings.Split(v, ",")); n < least {
			return fmt.Errorf("%s takes %d nodes or more, e.g. %s, not %d", op, least, exampleList(least), n)
		}
		return distinct([]string{v})
	}}
}

func exampleList(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%d", i)
	}
	return strings.Join(names, ",")
}

// linkArg is a one-way link FROM>TO; with orNode, a single node too.
func linkArg(name string, orNode bool) Arg {
	return Arg{Name: name, Nodes: func(v string) []string { return strings.Split(v, ">") }, Check: func(v string) error {
		p := strings.Split(v, ">")
		if orNode {
			if len(p) > 2 || len(p) == 2 && (p[0] == p[1] || p[0] == "" || p[1] == "") {
				return fmt.Errorf("clog takes a NODE or a link FROM>TO between two different nodes")
			}
			return nil
		}
		if len(p) != 2 || p[0] == "" || p[1] == "" {
			return fmt.Errorf("oneway takes FROM>TO")
		}
		if p[0] == p[1] {
			return fmt.Errorf("a link needs two different nodes")
		}
		return nil
	}}
}

func one(v string) []string { return []string{v} }

// members lists the nodes of a list or groups: "A,B|C" → A, B, C.
func members(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' })
}

// dropMembers returns a Drop for nodes in groups separated by sep, each a
// comma list: gone nodes leave their group, and an emptied group goes.
func dropMembers(sep string) func(string, func(string) bool) string {
	return func(v string, gone func(string) bool) string {
		var groups []string
		for _, g := range strings.Split(v, sep) {
			var kept []string
			for _, n := range strings.Split(g, ",") {
				if !gone(n) {
					kept = append(kept, n)
				}
			}
			if len(kept) > 0 {
				groups = append(groups, strings.Join(kept, ","))
			}
		}
		return strings.Join(groups, sep)
	}
}

// distinct reports a node named twice in a partition's groups.
func distinct(groups []string) error {
	seen := map[string]bool{}
	for _, g := range groups {
		if g == "" {
			return fmt.Errorf("an empty group")
		}
		for _, n := range strings.Split(g, ",") {
			if seen[n] {
				return fmt.Errorf("node %s is named twice: groups must not overlap", n)
			}
			seen[n] = true
		}
	}
	return nil
}

// ParseDur reads a non-negative duration argument.
func ParseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a non-negative duration such as 500ms", s)
	}
	return d, nil
}

// ParseProb reads a probability argument.
func ParseProb(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
		return 0, fmt.Errorf("%q is not a probability in [0, 1]", s)
	}
	return p, nil
}

func halfRate(s string) (string, bool) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0.02 {
		return "", false
	}
	return strconv.FormatFloat(float64(int(p*50))/100, 'f', -1, 64), true
}

func halfDuration(s string) (string, bool) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 2*time.Millisecond {
		return "", false
	}
	return (d / 2).Round(time.Millisecond).String(), true
}
