// Package harnesstest holds broken variants that more than one catalogue's
// tests run, so that each is written once. It is imported by tests only:
// nothing in it belongs in a correct system.
package harnesstest

import (
	"bytes"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// TermlessEnv gives a server whose Raft is systems/raft a disk on which
// Raft saves its term and vote only when its log files change: a write of
// Raft's meta file that changes nothing but the term or the vote is
// dropped, so a restarted server comes back with the term and vote of its
// last log rewrite (or of its first boot) — a server that can vote twice
// in one term.
func TermlessEnv(env node.Env) node.Env { return termlessEnv{env} }

type termlessEnv struct{ node.Env }

func (e termlessEnv) Disk() node.Disk { return termlessDisk{e.Env.Disk()} }

// metaLayout is how many bytes end systems/raft's meta record after its
// term and vote: which log and snapshot files are current, and the
// snapshot's index, term and chain hash (five uint64s).
const metaLayout = 5 * 8

type termlessDisk struct{ node.Disk }

func (d termlessDisk) WriteFile(name string, data []byte) {
	if strings.HasSuffix(name, ".meta") {
		old, err := d.ReadFile(name)
		if err == nil && len(old) == len(data) && len(data) >= metaLayout &&
			bytes.Equal(old[len(old)-metaLayout:], data[len(data)-metaLayout:]) {
			return // only the term or the vote changed
		}
	}
	d.Disk.WriteFile(name, data)
}
