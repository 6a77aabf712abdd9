package pbservicecat

import (
	"maps"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// takeover watches the backup of the view before its primary's crash or
// cut take over: an observer only, so the run is the same with or without
// it.
type takeover struct {
	pc     *pbCluster
	before viewservice.View // the view the scenario's fault ends
	third  node.ID          // the server in neither role then, or none
	// version and data are the primary's state as the fault strikes.
	version uint64
	data    map[string]string
	// took says the backup has known itself primary of a later view;
	// tookVersion and tookData are its state at the first event after
	// which it did, before it applied anything as primary.
	took        bool
	tookAt      uint64 // the view it took over in
	tookVersion uint64
	tookData    map[string]string
}

// watchTakeover notes the view and its primary's state now, just before
// the scenario's fault, and watches the backup from then on.
func (pc *pbCluster) watchTakeover() *takeover {
	t := &takeover{pc: pc, before: pc.view(), third: node.None}
	for _, id := range pc.servers {
		if id != t.before.Primary && id != t.before.Backup && t.third == node.None {
			t.third = id
		}
	}
	if s := pc.server(t.before.Primary); s != nil {
		t.version, t.data = s.Version(), maps.Clone(s.Snapshot())
	}
	pc.w.Observe("the backup's takeover", func() error {
		if t.took || t.before.Backup == node.None || !pc.w.Up(t.before.Backup) {
			return nil
		}
		if s := pc.server(t.before.Backup); s != nil && s.View().Primary == t.before.Backup && s.View().Viewnum > t.before.Viewnum {
			t.took, t.tookAt = true, s.View().Viewnum
			t.tookVersion, t.tookData = s.Version(), maps.Clone(s.Snapshot())
		}
		return nil
	})
	return t
}

// check fails the run unless the backup of the view before the fault
// became primary, holding every write its primary had applied: the same
// state, or one operation more (a forward it applied whose
// acknowledgement the primary never got); and, with thirdBackup, the
// server that was in neither role is the new view's backup. A backup
// applies each forward before its primary, and forwards carry the
// primary's version, so the versions count along one history. Under a
// schedule given with -faults the scenario's own fault may not have
// happened, and nothing is checked.
func (t *takeover) check(thirdBackup bool) {
	c, pc := t.pc.c, t.pc
	if c.FaultsReplaced() {
		return
	}
	v := pc.view()
	name := func(id node.ID) string {
		if id == node.None {
			return "none"
		}
		return pc.w.Name(id)
	}
	switch {
	case v.Primary != t.before.Backup:
		c.Failf("the backup %s of view %d did not take over: the view service holds view %d with primary %s", name(t.before.Backup), t.before.Viewnum, v.Viewnum, name(v.Primary))
	case !t.took:
		c.Failf("view %d names %s primary, but it has not learned it", v.Viewnum, name(v.Primary))
	case t.tookVersion < t.version:
		c.Failf("%s took over in view %d at version %d, behind the %d operations its primary %s had applied: writes were lost", name(t.before.Backup), t.tookAt, t.tookVersion, t.version, name(t.before.Primary))
	case t.tookVersion == t.version && !maps.Equal(t.tookData, t.data):
		c.Failf("%s took over in view %d at its primary's version %d with other data: key %q holds %q, its primary had %q", name(t.before.Backup), t.tookAt, t.version,
			firstDiff(t.tookData, t.data), t.tookData[firstDiff(t.tookData, t.data)], t.data[firstDiff(t.tookData, t.data)])
	}
	if t.took {
		c.Reportf("%s took over in view %d at version %d; its primary %s had applied %d operations", name(t.before.Backup), t.tookAt, t.tookVersion, name(t.before.Primary), t.version)
	}
	if thirdBackup && v.Backup != t.third {
		c.Failf("view %d has backup %s; want %s, the server that was idle", v.Viewnum, name(v.Backup), name(t.third))
	}
}

// firstDiff is the first key, in order, whose value a and b differ on.
func firstDiff(a, b map[string]string) string {
	keys := slices.Sorted(maps.Keys(a))
	keys = append(keys, slices.Sorted(maps.Keys(b))...)
	for _, k := range keys {
		if va, ok := a[k]; !ok || va != b[k] {
			return k
		}
		if _, ok := b[k]; !ok {
			return k
		}
	}
	return ""
}
