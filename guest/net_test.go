package guest_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simlab-go/simlab/faults"
	"github.com/simlab-go/simlab/guest"
	"github.com/simlab-go/simlab/guest/gotest"
	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

var (
	netnodeOnce sync.Once
	netnodeBin  []byte
	netnodeErr  error
)

// netnode compiles the fixture testdata/netnode: a server that journals
// each line on its disk, synced, before it answers, and a client that
// sends lines and reconnects when its connection fails.
func netnode(t testing.TB) *guest.Program {
	t.Helper()
	netnodeOnce.Do(func() {
		var b *gotest.Binary
		if b, netnodeErr = gotest.BuildCommand(context.Background(), "testdata/netnode", ""); netnodeErr == nil {
			netnodeBin, netnodeErr = os.ReadFile(b.Path)
		}
	})
	if netnodeErr != nil {
		t.Fatal(netnodeErr)
	}
	p, err := guest.Compile(context.Background(), netnodeBin, guest.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// netWorld is a server s1 and a client c1 that sends n lines.
type netWorld struct {
	w      *sim.World
	s1, c1 node.ID
	logs   map[string][]string // each node's log lines
	output []string            // the client's standard output, line by line
}

func newNetWorld(t testing.TB, p *guest.Program, seed uint64, n int, link sim.LinkConfig) *netWorld {
	t.Helper()
	nw := &netWorld{logs: map[string][]string{}}
	nw.w = sim.New(seed, sim.Config{Trace: func(r sim.Record) {
		if r.Kind == "log" {
			nw.logs[r.Node] = append(nw.logs[r.Node], r.Detail)
		}
	}})
	nw.w.Net().SetDefault(link)
	nw.s1 = nw.w.AddNode("s1", p.Node(guest.NodeConfig{Name: "netnode", Args: []string{"-role", "server", "-addr", ":7000"}, Net: nw.w}))
	nw.c1 = nw.w.AddNode("c1", p.Node(guest.NodeConfig{Name: "netnode", Args: []string{"-role", "client", "-addr", "s1:7000", "-n", strconv.Itoa(n)}, Net: nw.w,
		Output: func(env node.Env, line string) { nw.output = append(nw.output, line) }}))
	t.Cleanup(nw.w.Close)
	return nw
}

// count is how many of node's log lines start with prefix.
func (nw *netWorld) count(name, prefix string) int {
	k := 0
	for _, l := range nw.logs[name] {
		if strings.HasPrefix(l, prefix) {
			k++
		}
	}
	return k
}

// TestGuestNodesTalk: two guest nodes, a server and a client, talk over the
// World's network with sockets of the guest package: every line is
// answered once, in order, and the same seed gives the same World.
func TestGuestNodesTalk(t *testing.T) {
	p := netnode(t)
	var fps []uint64
	for range 2 {
		nw := newNetWorld(t, p, 1, 20, sim.DefaultLink)
		if err := nw.w.RunFor(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		if got := nw.count("c1", "reply: ok "); got != 20 || nw.count("c1", "done") != 1 {
			t.Fatalf("the client logged %d replies; want 20 and done:\nclient: %q\nserver: %q", got, nw.logs["c1"], nw.logs["s1"])
		}
		for i, l := range nw.logs["c1"][:20] {
			if want := fmt.Sprintf("reply: ok %d line %d", i+1, i+1); l != want {
				t.Errorf("reply %d is %q; want %q", i+1, l, want)
			}
		}
		if got := nw.output; len(got) != 21 || got[20] != "done" || got[0] != "reply: ok 1 line 1" {
			t.Errorf("the client's output, line by line: %q; want 20 replies and done", got)
		}
		fps = append(fps, nw.w.Fingerprint())
	}
	if fps[0] != fps[1] {
		t.Errorf("the same seed gave fingerprints %x and %x", fps[0], fps[1])
	}
}

// replies checks that the client's replies answer its lines 1..n in order,
// and returns the server's journal index of each.
func (nw *netWorld) replies(t testing.TB, n int) []int {
	t.Helper()
	var idx []int
	for _, l := range nw.logs["c1"] {
		var k, line int
		if _, err := fmt.Sscanf(l, "reply: ok %d line %d", &k, &line); err != nil {
			continue
		}
		if line != len(idx)+1 {
			t.Fatalf("reply %q after %d replies; want one for line %d\nclient: %q", l, len(idx), len(idx)+1, nw.logs["c1"])
		}
		idx = append(idx, k)
	}
	if len(idx) != n || nw.count("c1", "done") != 1 {
		t.Fatalf("%d replies; want %d and done\nclient: %q\nserver: %q", len(idx), n, nw.logs["c1"], nw.logs["s1"])
	}
	return idx
}

// TestGuestStreamsOverABadNetwork: over a network that loses, duplicates
// and reorders a tenth of the messages, the connection still delivers
// every line once and in order (the client resends a line only when its
// deadline passes, and then on a new connection).
func TestGuestStreamsOverABadNetwork(t *testing.T) {
	p := netnode(t)
	bad := sim.LinkConfig{LatencyMin: time.Millisecond, LatencySpread: 4 * time.Millisecond,
		TailProb: 0.1, TailMean: 20 * time.Millisecond, TailMax: 200 * time.Millisecond, Loss: 0.1, Dup: 0.1}
	for seed := uint64(1); seed <= 5; seed++ {
		nw := newNetWorld(t, p, seed, 50, bad)
		if err := nw.w.RunFor(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		idx := nw.replies(t, 50)
		st := nw.w.Stats()
		t.Logf("seed %d: 50 lines answered, the last as journal entry %d; %d messages sent, %d dropped, %d reconnections", seed, idx[len(idx)-1], st.Sent, st.Dropped, nw.count("c1", "lost:"))
	}
}

// TestGuestServerCrashKeepsWhatItAcknowledged: the server crashes in the
// middle of the client's stream and restarts half a second later. The
// client's connection fails (reset by the restarted server, or its deadline
// passes), it dials again until the server is back, and finishes; the
// restarted server's journal holds every line it acknowledged, since it
// synced each before answering.
func TestGuestServerCrashKeepsWhatItAcknowledged(t *testing.T) {
	p := netnode(t)
	for seed := uint64(1); seed <= 5; seed++ {
		nw := newNetWorld(t, p, seed, 200, sim.DefaultLink)
		acked := 0
		nw.w.At(300*time.Millisecond, "crash s1", func() {
			acked = nw.count("c1", "reply: ")
			nw.w.Crash(nw.s1)
		})
		nw.w.At(800*time.Millisecond, "restart s1", func() { nw.w.Restart(nw.s1) })
		if err := nw.w.RunFor(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		nw.replies(t, 200)
		var journal []int
		for _, l := range nw.logs["s1"] {
			var k int
			if _, err := fmt.Sscanf(l, "journal has %d entries", &k); err == nil {
				journal = append(journal, k)
			}
		}
		if len(journal) != 2 || journal[0] != 0 {
			t.Fatalf("seed %d: the server's incarnations found journals of %v entries; want two, the first empty", seed, journal)
		}
		if journal[1] < acked || journal[1] > acked+1 {
			t.Errorf("seed %d: the server had acknowledged %d lines when it crashed and found %d after; want %d or %d", seed, acked, journal[1], acked, acked+1)
		}
		if nw.count("c1", "lost:") == 0 {
			t.Errorf("seed %d: the client never lost its connection to a crashed server", seed)
		}
		t.Logf("seed %d: %d lines acknowledged before the crash, %d journaled after; the client: %d connections lost, %d dials failed", seed, acked, journal[1], nw.count("c1", "lost:"), nw.count("c1", "dial:"))
	}
}

// TestGuestStreamsAcrossAPartition: a partition of two seconds, shorter
// than the stack's user timeout but longer than the client's deadline,
// and then the network heals: the client's connection times out, it
// dials again once the partition heals, and it finishes.
func TestGuestStreamsAcrossAPartition(t *testing.T) {
	p := netnode(t)
	nw := newNetWorld(t, p, 1, 200, sim.DefaultLink)
	nw.w.At(300*time.Millisecond, "partition", func() { nw.w.Net().Cut(nw.s1, nw.c1) })
	nw.w.At(4*time.Second, "heal", func() { nw.w.Net().Heal() })
	if err := nw.w.RunFor(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	nw.replies(t, 200)
	if nw.count("c1", "lost: ") == 0 {
		t.Errorf("the client's deadline never passed across a partition of 3.7 s:\n%q", nw.logs["c1"])
	}
	t.Logf("client: %q", nw.logs["c1"][len(nw.logs["c1"])-4:])
}

// TestSocketFaults: the schedule operations reset and abort act on a guest
// node's connections. A reset fails the client's connection at once (it
// dials again and finishes); an abort of the server's connections leaves
// the client's end half-open until its next request is answered with a
// reset. Either way every line is answered once, in order.
func TestSocketFaults(t *testing.T) {
	p := netnode(t)
	for _, tt := range []struct {
		op, node string
	}{{"reset", "c1"}, {"reset", "s1"}, {"abort", "s1"}} {
		nw := newNetWorld(t, p, 1, 200, sim.DefaultLink)
		s, err := faults.Parse(fmt.Sprintf("300ms %s %s", tt.op, tt.node))
		if err != nil {
			t.Fatal(err)
		}
		b := faults.NewBinder(nw.w)
		for _, a := range s {
			fn, err := b.Bind(a)
			if err != nil {
				t.Fatal(err)
			}
			nw.w.AtFirst(a.At, a.String(), fn)
		}
		if err := nw.w.RunFor(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		nw.replies(t, 200)
		lost := nw.count("c1", "lost: ")
		if lost == 0 {
			t.Errorf("%s %s: the client never lost its connection", tt.op, tt.node)
		}
		if l := firstWith(nw.logs["c1"], "lost: "); !strings.Contains(l, "tcp c1:49152->s1:7000") {
			t.Errorf("%s %s: the error names %q; want the connection c1:49152->s1:7000", tt.op, tt.node, l)
		}
		t.Logf("%s %s: the client lost %d connections: %q", tt.op, tt.node, lost, firstWith(nw.logs["c1"], "lost: "))
	}
}

func firstWith(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestExitedGuestRefuses: a node whose program has exited answers what
// reaches it with a reset, as a machine whose process is gone: the
// client's dials are refused at once rather than left to time out.
func TestExitedGuestRefuses(t *testing.T) {
	p := netnode(t)
	w := sim.New(1, sim.Config{})
	t.Cleanup(w.Close)
	var client []string
	w.AddNode("s1", p.Node(guest.NodeConfig{Args: []string{"-role", "server", "-addr", ":7000", "-dir", "/data/missing"}, Net: w}))
	w.AddNode("c1", p.Node(guest.NodeConfig{Args: []string{"-role", "client", "-addr", "s1:7000", "-n", "1"}, Net: w,
		Output: func(_ node.Env, line string) { client = append(client, line) }}))
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if len(client) == 0 || !strings.Contains(client[0], "onnection refused") {
		t.Fatalf("the client's first lines %q; want a dial refused by the exited server", client[:min(len(client), 3)])
	}
}
