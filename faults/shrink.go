package faults

import "slices"

// Simpler lists smaller variants of one action, most useful first: the
// operation's own (a plain crash for an in-handler one, a partition with a
// node fewer), then each argument shrunk in turn (half a rate or a
// duration, a drift of zero). Every variant validates.
func (a Action) Simpler() []Action {
	o, ok := Lookup(a.Op)
	if !ok {
		return nil
	}
	var out []Action
	if o.Simpler != nil {
		out = append(out, o.Simpler(a)...)
	}
	for i, v := range a.Args {
		if i >= len(o.Args) || o.Args[i].Shrink == nil {
			continue
		}
		if w, ok := o.Args[i].Shrink(v); ok {
			args := slices.Clone(a.Args)
			args[i] = w
			out = append(out, Action{At: a.At, Op: a.Op, Args: args})
		}
	}
	var valid []Action
	for _, v := range out {
		if v.Validate() == nil {
			valid = append(valid, v)
		}
	}
	return valid
}

// Without returns the action as it reads without the nodes gone reports
// (nodes a smaller run no longer has): a list or groups of nodes lose
// them, and an action on one of them goes (false), as does one left
// invalid.
func (a Action) Without(gone func(string) bool) (Action, bool) {
	o, ok := Lookup(a.Op)
	if !ok {
		return a, true
	}
	args := slices.Clone(a.Args)
	changed := false
	for i, v := range args {
		if i >= len(o.Args) || o.Args[i].Nodes == nil {
			continue
		}
		if o.Args[i].Drop != nil {
			if w := o.Args[i].Drop(v, gone); w != v {
				args[i], changed = w, true
			}
			continue
		}
		if slices.ContainsFunc(o.Args[i].Nodes(v), gone) {
			return a, false
		}
	}
	if !changed {
		return a, true
	}
	b := Action{At: a.At, Op: a.Op, Args: args}
	return b, b.Validate() == nil
}
