package mapreduce

import (
	"maps"
	"slices"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// fakeEnv is a hand-written node.Env for driving one handler in a unit
// test. Effects take place at once and are also logged in program order,
// so a test can replay any prefix of them as a crash would.
type fakeEnv struct {
	self    node.ID
	now     time.Duration
	rand    *node.Rand
	disk    *fakeDisk
	sent    []sentMsg
	timers  map[node.TimerID]any
	next    node.TimerID
	effects []effect
}

type sentMsg struct {
	to  node.ID
	msg any
}

// effect is one logged effect: a send, or a disk write or sync.
type effect struct {
	send *sentMsg
	op   *diskOp // nil with send == nil means a sync
}

type diskOp struct {
	name   string
	data   []byte
	remove bool
	append bool
}

func newFakeEnv(self node.ID) *fakeEnv {
	return &fakeEnv{self: self, rand: node.NewRand(uint64(self) + 1), disk: newFakeDisk(), timers: map[node.TimerID]any{}}
}

func (e *fakeEnv) Self() node.ID      { return e.self }
func (e *fakeEnv) Now() time.Duration { return e.now }
func (e *fakeEnv) Rand() *node.Rand   { return e.rand }
func (e *fakeEnv) Send(to node.ID, msg any) {
	s := sentMsg{to, msg}
	e.sent = append(e.sent, s)
	e.effects = append(e.effects, effect{send: &s})
}
func (e *fakeEnv) SetTimer(_ time.Duration, tag any) node.TimerID {
	e.next++
	e.timers[e.next] = tag
	return e.next
}
func (e *fakeEnv) StopTimer(id node.TimerID) { delete(e.timers, id) }
func (e *fakeEnv) Disk() node.Disk           { return fakeDiskHandle{e} }
func (e *fakeEnv) Compute(time.Duration)     {}
func (e *fakeEnv) Mark(node.Mark)            {}

func (e *fakeEnv) Logf(format string, args ...any) {}

// take returns and forgets the messages sent so far.
func (e *fakeEnv) take() []sentMsg {
	s := e.sent
	e.sent = nil
	return s
}

// fakeDisk keeps what the node sees and what is durable.
type fakeDisk struct {
	view, durable map[string][]byte
	pending       []diskOp
}

func newFakeDisk() *fakeDisk {
	return &fakeDisk{view: map[string][]byte{}, durable: map[string][]byte{}}
}

func (d *fakeDisk) apply(m map[string][]byte, op diskOp) {
	switch {
	case op.remove:
		delete(m, op.name)
	case op.append:
		m[op.name] = append(slices.Clip(m[op.name]), op.data...)
	default:
		m[op.name] = op.data
	}
}

// crash keeps the durable files plus the first keep unsynced writes.
func (d *fakeDisk) crash(keep int) {
	for _, op := range d.pending[:keep] {
		d.apply(d.durable, op)
	}
	d.pending = nil
	d.view = maps.Clone(d.durable)
}

type fakeDiskHandle struct{ e *fakeEnv }

func (h fakeDiskHandle) ReadFile(name string) ([]byte, error) {
	data, ok := h.e.disk.view[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return slices.Clone(data), nil
}

func (h fakeDiskHandle) record(op diskOp) {
	h.e.disk.apply(h.e.disk.view, op)
	h.e.disk.pending = append(h.e.disk.pending, op)
	h.e.effects = append(h.e.effects, effect{op: &op})
}

func (h fakeDiskHandle) WriteFile(name string, data []byte) {
	h.record(diskOp{name: name, data: slices.Clone(data)})
}
func (h fakeDiskHandle) Append(name string, data []byte) {
	h.record(diskOp{name: name, data: slices.Clone(data), append: true})
}
func (h fakeDiskHandle) Remove(name string) { h.record(diskOp{name: name, remove: true}) }
func (h fakeDiskHandle) Names() []string    { return node.SortedKeys(h.e.disk.view) }
func (h fakeDiskHandle) Sync() {
	for _, op := range h.e.disk.pending {
		h.e.disk.apply(h.e.disk.durable, op)
	}
	h.e.disk.pending = nil
	h.e.effects = append(h.e.effects, effect{})
}

// SyncFile syncs everything: the map phase syncs whole disks only.
func (h fakeDiskHandle) SyncFile(string) { h.Sync() }

// durableAfter returns what a crash keeps of the disk if it strikes after
// the first cut effects of the log, keeping the first keep of the writes
// that were not synced by then. ok is false when keep exceeds them.
func durableAfter(before map[string][]byte, log []effect, cut, keep int) (files map[string][]byte, ok bool) {
	files = maps.Clone(before)
	var pending []diskOp
	d := &fakeDisk{}
	for _, ef := range log[:cut] {
		switch {
		case ef.send != nil:
		case ef.op != nil:
			pending = append(pending, *ef.op)
		default:
			for _, op := range pending {
				d.apply(files, op)
			}
			pending = nil
		}
	}
	if keep > len(pending) {
		return nil, false
	}
	for _, op := range pending[:keep] {
		d.apply(files, op)
	}
	return files, true
}
