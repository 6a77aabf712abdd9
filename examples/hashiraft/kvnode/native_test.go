//go:build !wasip1

package kvnode_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/examples/hashiraft/kvnode"
)

// freePorts returns n loopback addresses nobody listens on.
func freePorts(t *testing.T, n int) []string {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, l.Addr().String())
		l.Close()
	}
	return addrs
}

// TestNativeOnLoopback: the program that runs as a guest in simlab runs as
// three real processes on this machine's loopback, with the net package's
// TCP and real files, and serves its clients: every operation answered.
func TestNativeOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs four processes")
	}
	bin := filepath.Join(t.TempDir(), "kvnode")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/kvnode").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addrs := freePorts(t, 6)
	var peers, clientAddrs []string
	for i := 0; i < 3; i++ {
		peers = append(peers, fmt.Sprintf("s%d=%s", i, addrs[i]))
		clientAddrs = append(clientAddrs, addrs[3+i])
	}
	for i := 0; i < 3; i++ {
		cmd := exec.CommandContext(ctx, bin, "-id", fmt.Sprintf("s%d", i), "-peers", strings.Join(peers, ","),
			"-raft", addrs[i], "-client", addrs[3+i], "-dir", t.TempDir())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("server s%d said:\n%s", i, stderr.String())
			}
		})
	}
	out, err := exec.CommandContext(ctx, bin, "-clients", "3", "-ops", "10", "-servers", strings.Join(clientAddrs, ",")).Output()
	if err != nil {
		t.Fatalf("clients: %v\n%s", err, out)
	}
	calls, oks := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		e, ok := kvnode.ParseEvent(sc.Text())
		switch {
		case !ok:
		case e.Kind == "call":
			calls++
		case e.Kind == "ok":
			oks++
		case e.Kind == "lost":
			t.Errorf("an operation was given up on: %s", sc.Text())
		}
	}
	if calls != 30 || oks != 30 || !strings.HasSuffix(strings.TrimSpace(string(out)), "done") {
		t.Fatalf("%d calls and %d answers; want 30 of each and done:\n%s", calls, oks, out)
	}
}
