package checker

import (
	"strings"
	"testing"
)

func TestViewRules(t *testing.T) {
	const s1, s2, s3 = 1, 2, 3
	view := func(n uint64, p, b int) PBView { return PBView{Viewnum: n, Primary: p, Backup: b} }
	// lab is the lab's first views: s1 alone, then s2 its backup, each
	// acknowledged by s1 (every server at incarnation 1).
	lab := func(r *ViewRules) {
		r.Pinged(s1, 0, 1)
		r.Holds(view(1, s1, NoServer))
		r.Pinged(s1, 1, 1)
		r.Pinged(s2, 0, 1)
		r.Holds(view(2, s1, s2))
		r.Pinged(s1, 2, 1)
	}
	tests := []struct {
		name string
		run  func(r *ViewRules) error // the last step's error
		want string                   // in the error; "" for none
	}{
		{"the lab's views", func(r *ViewRules) error {
			lab(r)
			r.Revealed(view(1, s1, NoServer))
			return r.Revealed(view(2, s1, s2))
		}, ""},
		{"the backup takes over once the primary acknowledged", func(r *ViewRules) error {
			lab(r)
			return r.Holds(view(3, s2, NoServer))
		}, ""},
		{"an idle server becomes backup", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s3, 0, 1)
			return r.Holds(view(3, s1, s3))
		}, ""},
		{"view 0 is nobody's", func(r *ViewRules) error {
			return r.Revealed(view(0, NoServer, NoServer))
		}, ""},
		{"view 0 naming a primary", func(r *ViewRules) error {
			return r.Revealed(view(0, s1, NoServer))
		}, "view 0 names nobody"},
		{"a view number skipped", func(r *ViewRules) error {
			lab(r)
			return r.Holds(view(4, s1, s3))
		}, "views go up one at a time"},
		{"a view handed out past one nobody saw", func(r *ViewRules) error {
			lab(r)
			return r.Revealed(view(4, s1, s3))
		}, "handed out view 4 after view 2"},
		{"two primaries for one view", func(r *ViewRules) error {
			lab(r)
			return r.Revealed(view(2, s2, s1))
		}, "one view number, one primary and one backup"},
		{"the backup changed in place", func(r *ViewRules) error {
			lab(r)
			return r.Holds(view(2, s1, s3))
		}, "which was (primary server 1, backup server 2) before"},
		{"a view without a primary", func(r *ViewRules) error {
			return r.Holds(view(1, NoServer, s1))
		}, "a view has a primary"},
		{"primary and backup one server", func(r *ViewRules) error {
			r.Pinged(s1, 0, 1)
			return r.Holds(view(1, s1, s1))
		}, "cannot be both"},
		{"moving on before the primary acknowledged", func(r *ViewRules) error {
			r.Pinged(s1, 0, 1)
			r.Holds(view(1, s1, NoServer))
			r.Pinged(s1, 1, 1)
			r.Pinged(s2, 0, 1)
			r.Holds(view(2, s1, s2))
			r.Pinged(s1, 1, 1) // still at view 1
			r.Pinged(s2, 2, 1) // the backup's ping is no acknowledgment
			return r.Holds(view(3, s1, NoServer))
		}, "before server 1, the primary of view 2, acknowledged view 2"},
		{"an idle server made primary", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s3, 0, 1)
			return r.Holds(view(3, s3, NoServer))
		}, "whose primary was neither primary nor backup of view 2"},
		{"a restarted backup promoted", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s2, 0, 7) // s2 restarted: a new incarnation
			return r.Holds(view(3, s2, NoServer))
		}, "server 2 restarted (pinged with a new incarnation) after view 2 brought it in"},
		{"a restarted primary kept", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s1, 2, 9)
			return r.Holds(view(3, s1, NoServer))
		}, "server 1 restarted (pinged with a new incarnation) after view 1 brought it in"},
		{"a restarted server back as backup, then promoted", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s2, 0, 7)
			r.Holds(view(3, s1, NoServer)) // s2 dropped
			r.Pinged(s1, 3, 1)
			r.Holds(view(4, s1, s2)) // and back, in its new incarnation
			r.Pinged(s1, 4, 1)
			return r.Holds(view(5, s2, NoServer))
		}, ""},
		{"the restart rule needs the moment of the move", func(r *ViewRules) error {
			lab(r)
			r.Pinged(s2, 0, 7) // may have come after the service moved
			return r.Revealed(view(3, s2, NoServer))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(NewViewRules())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestViewRulesFirst(t *testing.T) {
	r := NewViewRules()
	if _, _, ok := r.First(); ok {
		t.Fatal("a first view before any was seen")
	}
	r.Pinged(2, 0, 41)
	r.Holds(PBView{Viewnum: 1, Primary: 2, Backup: NoServer})
	r.Pinged(2, 1, 43) // it restarted later: the first view was its earlier life's
	if s, inc, ok := r.First(); !ok || s != 2 || inc != 41 {
		t.Errorf("First() = %d, %d, %v; want server 2 in incarnation 41", s, inc, ok)
	}
}

func TestViewRulesNames(t *testing.T) {
	r := NewViewRules()
	r.Names = func(s int) string { return []string{"vs", "s1", "s2"}[s] }
	r.Pinged(1, 0, 1)
	err := r.Holds(PBView{Viewnum: 1, Primary: 1, Backup: 1})
	if err == nil || !strings.Contains(err.Error(), "(primary s1, backup s1)") {
		t.Errorf("got %v, want the servers named", err)
	}
}
