package cluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCorruptStateStopsTheNodeCleanly: a server whose saved Raft state is
// corrupt panics at every boot; the runtime restarts it twice, then stops
// it with an error that names its data directory, and the state command
// says the state does not load.
func TestCorruptStateStopsTheNodeCleanly(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	dir := lc.dir(0)
	waitLeader(t, lc.servers) // a term and a vote on disk
	lc.stopAll()
	meta := filepath.Join(dir, "disk", "=raft.meta")
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(meta, b, 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := PrintState(&out, cfg, dir); err == nil || !strings.Contains(err.Error(), "would not boot") {
		t.Fatalf("state of a corrupt directory: %v\n%s", err, out.String())
	}
	s, err := StartServer(cfg, "s0", ServerOptions{Dir: dir, Log: quiet, RestartDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	select {
	case <-s.Node.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a node with corrupt state is still restarting")
	}
	if err := s.Node.Err(); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Err() = %v; want a message naming %s", err, dir)
	}
	if st := s.Status(); st.Up || st.Stopped == "" {
		t.Fatalf("status of the stopped node: %+v", st)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
