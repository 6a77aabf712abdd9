package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/simlab-go/simlab/live"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kv"
	"github.com/simlab-go/simlab/systems/rsm"
)

// PrintState prints what a server's data directory holds: its files, and
// the state the server would boot with — Raft's term, vote, log and
// snapshot, the log's commands, and the store as the snapshot has it. It
// reads a copy; the node may be running (what it prints is then what a
// crash at that moment would leave), though a stopped node's is exact.
//
// The state is loaded by booting the server itself over a copy of the
// files in a live.OfflineEnv, so the printout reads the files exactly as
// a restart does, and a state that would not boot says so here.
func PrintState(w io.Writer, cfg *Config, dir string) (err error) {
	marker, err := os.ReadFile(filepath.Join(dir, "node"))
	if err != nil {
		return fmt.Errorf("%s is not a node's data directory: %w", dir, err)
	}
	name := strings.TrimSpace(string(marker))
	id, err := cfg.ID(name)
	if err != nil {
		return err
	}
	files, err := live.ReadOnly(filepath.Join(dir, "disk"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "node %s (%s), data directory %s\nfiles:\n", name, cfg.System, dir)
	for _, n := range node.SortedKeys(files) {
		fmt.Fprintf(w, "  %-16s %d bytes\n", n, len(files[n]))
	}
	env := live.NewOfflineEnv(id, files)
	h := cfg.factory(id)()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the state does not load; the server would not boot from it: %v", p)
		}
	}()
	if d := env.Boot(h); d != nil {
		return &live.DamageError{Node: name, Path: filepath.Join(dir, "disk", live.FileName(d.File)), Damage: d}
	}
	rf := h.(raftOf).Raft()
	st := rf.Status()
	voted := "nobody"
	if st.VotedFor != node.None {
		voted = cfg.Name(st.VotedFor)
	}
	fmt.Fprintf(w, "raft: term %d, voted for %s in it; log holds (%d, %d]", st.Term, voted, st.FirstIndex, st.LastIndex)
	if st.FirstIndex > 0 {
		term, _, _ := rf.EntryAt(st.FirstIndex)
		fmt.Fprintf(w, "; snapshot through index %d (term %d, %d bytes)", st.FirstIndex, term, rf.SnapshotSize())
	}
	fmt.Fprintln(w)
	if srv, ok := h.(*kv.Server); ok {
		keys := srv.Keys()
		fmt.Fprintf(w, "store as of the snapshot (index %d): %d keys\n", st.FirstIndex, len(keys))
		for _, k := range keys {
			fmt.Fprintf(w, "  %q = %q\n", k, srv.Peek(k))
		}
	}
	fmt.Fprintf(w, "log entries after the snapshot: %d (which are committed is known only to a running cluster)\n", st.LastIndex-st.FirstIndex)
	for i := st.FirstIndex + 1; i <= st.LastIndex; i++ {
		term, _, _ := rf.EntryAt(i)
		cmd, _ := rf.Command(i)
		fmt.Fprintf(w, "  %d term %d  %s\n", i, term, describeCommand(cmd))
	}
	return nil
}

func describeCommand(cmd any) string {
	c, ok := cmd.(rsm.Command)
	if !ok {
		if cmd == nil {
			return "(no-op)"
		}
		return fmt.Sprintf("%+v", cmd)
	}
	if op, ok := c.Op.(kv.Op); ok {
		s := fmt.Sprintf("%s %q", op.Kind, op.Key)
		if op.Kind != kv.Get {
			s += fmt.Sprintf(" %q", op.Value)
		}
		return fmt.Sprintf("%-40s client %x seq %d", s, c.ClientID, c.Seq)
	}
	return fmt.Sprintf("%+v", c)
}
