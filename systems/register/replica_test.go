package register

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node/nodetest"
)

// TestAReplicaRefusesALostOrDamagedState: a replica that acknowledged a
// store and then lost its state file, or finds it damaged, refuses to
// start instead of coming back empty (which would forget an acknowledged
// value); a crash between the first state and its witness still starts.
func TestAReplicaRefusesALostOrDamagedState(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(d *nodetest.Disk)
		refuse string
	}{
		{"intact", func(*nodetest.Disk) {}, ""},
		{"the witness lost (a crash before it was written)", func(d *nodetest.Disk) { d.Remove(witnessFile) }, ""},
		{"the state lost", func(d *nodetest.Disk) { d.Remove(stateFile) }, stateFile},
		{"the state flipped", func(d *nodetest.Disk) {
			b, _ := d.ReadFile(stateFile)
			b[3] ^= 1
			d.WriteFile(stateFile, b)
		}, stateFile},
		{"the state truncated", func(d *nodetest.Disk) {
			b, _ := d.ReadFile(stateFile)
			d.WriteFile(stateFile, b[:len(b)-2])
		}, stateFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := nodetest.New(0, 1)
			r := &Replica{}
			env.Start(r, false)
			env.Deliver(r, 5, StoreReq{Op: 1, Tag: Tag{Seq: 3, Writer: 5}, Value: "acked"})
			tc.damage(env.Store())
			env.Store().Sync()
			env.Crash()
			r = &Replica{}
			refusal := env.Boot(r, true)
			switch {
			case tc.refuse == "" && refusal != nil:
				t.Fatalf("refused: %v", refusal)
			case tc.refuse == "" && r.value != "acked":
				t.Fatalf("restarted with %q; want the acknowledged value", r.value)
			case tc.refuse != "" && (refusal == nil || refusal.File != tc.refuse):
				t.Fatalf("refusal %v; want one naming %s (restarted with %q)", refusal, tc.refuse, r.value)
			}
		})
	}
}
