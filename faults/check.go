package faults

import (
	"fmt"
	"strconv"
	"strings"
)

// Validate checks an action's operation and arguments, without a world.
func (a Action) Validate() error {
	o, ok := Lookup(a.Op)
	if !ok {
		var names []string
		for _, o := range Ops() {
			names = append(names, o.Name)
		}
		return fmt.Errorf("fault action %q: unknown operation %q; known: %s", a, a.Op, strings.Join(names, ", "))
	}
	if least, most := o.argCount(); len(a.Args) < least || len(a.Args) > most {
		return fmt.Errorf("fault action %q: %s takes %q", a, a.Op, o.Grammar())
	}
	for i, v := range a.Args {
		if c := o.Args[i].Check; c != nil {
			if err := c(v); err != nil {
				return fmt.Errorf("fault action %q: %v", a, err)
			}
		}
	}
	for _, n := range a.Nodes() {
		if n == "" {
			return fmt.Errorf("fault action %q: an empty node name", a)
		}
	}
	return nil
}

// Validate checks a whole schedule without a world: every action, and
// time order. Whether its restarts and crashes fit (CheckSequence) is
// checked when it is applied, once the scenario's roles are known.
func (s Schedule) Validate() error {
	for i, a := range s {
		if err := a.Validate(); err != nil {
			return err
		}
		if i > 0 && a.At < s[i-1].At {
			return fmt.Errorf("fault action %q comes before %q in time: list actions in time order", a, s[i-1])
		}
	}
	return nil
}

// CheckSequence checks that restarts and crashes fit what the schedule
// did before (by each op's Life): a restart needs its node down, a crash
// needs it up. A crash of a role (isRole) takes down a node the schedule
// cannot name, so it allows one restart of a node not known to be down.
func (s Schedule) CheckSequence(isRole func(string) bool) error {
	down := map[string]string{} // node → the action that took it down
	byRole := 0
	for _, a := range s {
		o, ok := Lookup(a.Op)
		if !ok {
			continue
		}
		switch o.Life {
		case TakesDown:
			if isRole(a.Args[0]) {
				byRole++
				continue
			}
			if why, ok := down[a.Args[0]]; ok {
				return fmt.Errorf("fault action %q: %s is already down (%q) and not restarted since; restart it first", a, a.Args[0], why)
			}
			down[a.Args[0]] = a.String()
		case BringsUp:
			if isRole(a.Args[0]) {
				return fmt.Errorf("fault action %q: restart takes a node's name, not a role: a node that is down plays no role", a)
			}
			if _, ok := down[a.Args[0]]; !ok {
				if byRole > 0 {
					byRole--
					continue
				}
				return fmt.Errorf("fault action %q: %s is not down at that point of the schedule; a restart follows a crash or crash-mid of the same node", a, a.Args[0])
			}
			delete(down, a.Args[0])
		case RevivesAll:
			clear(down)
			byRole = 0
		}
	}
	return nil
}

// SplitRole splits a node argument "leader+2" into its role and offset;
// ok is false for a plain name.
func SplitRole(arg string) (role string, offset int, ok bool) {
	r, k, found := strings.Cut(arg, "+")
	if !found {
		return arg, 0, false
	}
	n, err := strconv.Atoi(k)
	if err != nil || n < 0 {
		return arg, 0, false
	}
	return r, n, true
}
