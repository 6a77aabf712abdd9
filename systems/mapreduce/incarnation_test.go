package mapreduce

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/sim/node/nodetest"
)

// TestIncarnationNumbersNeverRepeat: the number grows by one per start;
// a lost or damaged incarnation file is refused rather than counted from
// one again, which would reuse a number an earlier incarnation spoke with.
func TestIncarnationNumbersNeverRepeat(t *testing.T) {
	next := func(d *nodetest.Disk) (inc uint64, refusal *node.Damage) {
		defer func() {
			if r := recover(); r != nil {
				refusal = r.(*node.Damage)
			}
		}()
		return nextIncarnation(d), nil
	}
	for _, tc := range []struct {
		name   string
		damage func(d *nodetest.Disk)
		refuse bool
	}{
		{"intact", func(*nodetest.Disk) {}, false},
		{"the witness lost", func(d *nodetest.Disk) { d.Remove(witnessFile) }, false},
		{"the number lost", func(d *nodetest.Disk) { d.Remove(incarnationFile) }, true},
		{"the number flipped", func(d *nodetest.Disk) {
			b, _ := d.ReadFile(incarnationFile)
			b[7] ^= 1
			d.WriteFile(incarnationFile, b)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := nodetest.NewDisk()
			for want := uint64(1); want <= 2; want++ {
				if got, _ := next(d); got != want {
					t.Fatalf("start %d: incarnation %d", want, got)
				}
			}
			tc.damage(d)
			got, refusal := next(d)
			switch {
			case tc.refuse && (refusal == nil || refusal.File != incarnationFile):
				t.Fatalf("incarnation %d, refusal %v; want a refusal naming %s", got, refusal, incarnationFile)
			case !tc.refuse && got != 3:
				t.Fatalf("incarnation %d, refusal %v; want 3", got, refusal)
			}
		})
	}
}
