package cluster

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/live"
	"github.com/simlab-go/simlab/sim/node"
)

// TestAServerAdmitsOnlyTheClusterFilesNodesAndClients: a server started
// from a cluster file admits, in the handshake, a dialer claiming one of
// the file's node IDs or a client's, and refuses one claiming any other
// ID, telling it why; nothing a refused dialer sends arrives.
func TestAServerAdmitsOnlyTheClusterFilesNodesAndClients(t *testing.T) {
	cfg := testConfig(t, 3)
	s, err := StartServer(cfg, "s0", ServerOptions{Dir: t.TempDir(), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	for _, tc := range []struct {
		name     string
		id       node.ID
		admitted bool
	}{
		{"another node of the file", 2, true},
		{"the first client ID", firstClientID, true},
		{"a client", firstClientID + 1<<39, true},
		{"the ID after the file's nodes", 3, false},
		{"the ID below the clients'", firstClientID - 1, false},
		{"a negative ID", -2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dialer, err := live.NewTransport(live.TransportConfig{Self: tc.id, Name: tc.name,
				Peers: map[node.ID]string{s.ID: cfg.Nodes[s.ID].Addr}, Key: cfg.key, Log: quiet,
				Deliver: func(node.ID, any) {}})
			if err != nil {
				t.Fatal(err)
			}
			defer dialer.Close()
			received := s.Transport.Stats().Received
			dialer.Send(s.ID, "hello") // a message the server ignores
			arrived := func() bool { return s.Transport.Stats().Received > received }
			waitFor(t, func() bool { return arrived() || dialer.Refused() != nil })
			r := dialer.Refused()
			if tc.admitted {
				if r != nil {
					t.Fatalf("ID %d refused: %v", tc.id, r)
				}
				return
			}
			if r == nil || r.Peer != s.ID || !strings.Contains(r.Reason, "no node of the cluster file") {
				t.Fatalf("ID %d: refusal %v; want the server's, saying the ID is no node of the cluster file", tc.id, r)
			}
			if arrived() {
				t.Errorf("a message from refused ID %d arrived", tc.id)
			}
		})
	}
}
