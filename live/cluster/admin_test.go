package cluster

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAdminRefusesBadFaults: the admin endpoint answers 400, naming the
// problem and applying nothing, for a loss that is not a probability, an
// unknown parameter, a node cut off from itself, or any bad part of a
// request; good requests answer the status, which names the process.
func TestAdminRefusesBadFaults(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	s := lc.servers[0]
	h := s.adminHandler()
	do := func(method, query string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/"+query, nil))
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{"faults?loss=NaN", 400, "want one probability from 0 to 1"},
		{"faults?loss=1.5", 400, "want one probability from 0 to 1"},
		{"faults?loss=0.1&loss=0.2", 400, "want one probability"},
		{"faults?drop=1", 400, `unknown parameter "drop"`},
		{"faults?cut=s0", 400, "s0 is this node, which cannot be cut off from itself"},
		{"faults?cut=s9", 400, `cut=s9: `},
		{"faults?cut=", 400, "names no node"},
		{"faults?cut=s1&loss=2", 400, "probability"},
		{"faults", 400, "say what to do"},
		{"faults?loss=0.25&cut=s1", 200, `"pid": `},
		{"faults?heal=", 200, `"name": "s0"`},
	} {
		code, body := do("POST", tc.query)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST /%s: %d %q; want %d and %q", tc.query, code, body, tc.code, tc.want)
		}
		if tc.query == "faults?cut=s1&loss=2" && len(s.Faults.Cuts()) != 0 {
			t.Errorf("a refused request cut %v", s.Faults.Cuts())
		}
	}
	do("POST", "faults?loss=0.25")
	code, body := do("GET", "status")
	var st Status
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || st.PID != os.Getpid() || st.Loss != 0.25 {
		t.Errorf("GET /status: %d %v %+v; want 200, this process's pid and loss 0.25", code, err, st)
	}
}

// TestAStoppedWorkloadKeepsWhatFinished: closing Workload.Stop ends the
// clients early, and the operations that finished are in the result and
// its history, which still checks.
func TestAStoppedWorkloadKeepsWhatFinished(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	waitLeader(t, lc.servers)
	stop := make(chan struct{})
	time.AfterFunc(1500*time.Millisecond, func() { close(stop) })
	res, err := RunWorkload(cfg, Workload{Clients: 3, Duration: time.Minute, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed > 20*time.Second || res.Ops == 0 || len(res.History) < res.Ops {
		t.Fatalf("stopped after %v with %d operations and %d in the history", res.Elapsed, res.Ops, len(res.History))
	}
	checkHistory(t, res)
}

// TestAClientWithTheWrongKeySaysSo: a client whose cluster file has
// another key (or none) is refused in every handshake, and says so, and
// that the operation reached no server, rather than "no answer in time".
func TestAClientWithTheWrongKeySaysSo(t *testing.T) {
	cfg := testConfig(t, 3)
	cfg.Key = "00112233445566778899aabbccddeeff"
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	lc := startLocal(t, cfg)
	waitLeader(t, lc.servers)
	for _, tc := range []struct{ key, want string }{
		{"ffeeddccbbaa99887766554433221100", "the peer has another cluster key"},
		{"", "the peer has no cluster key"},
	} {
		other := *cfg
		other.Key, other.key = tc.key, nil
		if err := other.check(); err != nil {
			t.Fatal(err)
		}
		cl, err := NewClient(&other, ClientOptions{Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		err = cl.Put("k", "v", 2*time.Second)
		cl.Close()
		if err == nil || errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "reached none of them") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("key %q: %v; want the refusal, saying %q", tc.key, err, tc.want)
		}
	}
}

// TestAnInterruptedBenchPrintsWhatFinished: SIGINT to simlab-kv bench, as
// a process, ends it early with exit status 130 after printing the
// figures and the checked history of the operations that finished.
func TestAnInterruptedBenchPrintsWhatFinished(t *testing.T) {
	cfg := testConfig(t, 3)
	lc := startLocal(t, cfg)
	waitLeader(t, lc.servers)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SIMLAB_LIVE_KV=-cluster "+saveConfig(t, cfg)+" bench -clients 2 -duration 1m -check")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit %v; want 130\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "interrupted: ") || strings.HasPrefix(out, "interrupted: 0 operations") || !strings.Contains(out, "history: linearizable") {
		t.Errorf("stdout %q; want the figures of what finished and its history checked", out)
	}
}
