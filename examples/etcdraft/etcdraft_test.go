package etcdraft

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/catalogue/raftcat"
	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// TestEveryScenario runs the whole etcdraft/ catalogue for a few seeds,
// half of them in strict mode (every message through gob).
func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "etcdraft/*") }

// TestTheCatalogueIsTheGenericOne: etcdraft/ holds every generic scenario
// of raftcat and runs each against etcd's Raft.
func TestTheCatalogueIsTheGenericOne(t *testing.T) {
	for _, name := range raftcat.Names() {
		if _, ok := scenarios.Lookup("etcdraft/" + name); !ok {
			t.Errorf("etcdraft/%s is not registered", name)
		}
		if _, ok := scenarios.Lookup("raft/" + name); !ok {
			t.Errorf("raft/%s is not registered", name)
		}
	}
}

// TestWithoutPreVoteElectionsStall is the catalogue's finding about etcd's
// Raft with PreVote off: a follower that rejects a stale candidate's vote
// request still adopts its term and restarts its election timer, so at
// seed 6 of many-elections a stale server keeps timing out first and no
// leader is elected among the 4 connected servers of 7 within 5 s. With
// PreVote on, as Etcd runs, the same seed passes.
func TestWithoutPreVoteElectionsStall(t *testing.T) {
	off := Etcd
	off.Name = "etcdraft-noprevote"
	off.New = newServer // PreVote as each scenario asks: off here
	out, err := scenarios.RunScenario(scenarioNamed(t, off, "many-elections"), 6, scenarios.Options{TraceTail: -1})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || !strings.Contains(out.Failures[0].Msg, "no leader") {
		t.Fatalf("seed 6 without PreVote: passed=%v %v; want no leader within 5 s", out.Passed, out.Failures)
	}
	on, err := scenarios.RunScenario(scenarioNamed(t, Etcd, "many-elections"), 6, scenarios.Options{TraceTail: -1})
	if err != nil || !on.Passed {
		t.Fatalf("seed 6 with PreVote: %v %v; want a pass", err, on.Failures)
	}
}

// TestPrintedScheduleReplays: every etcdraft scenario's printed schedule,
// given back with -faults, replays the run exactly.
func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "etcdraft/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "etcdraft/*") }

// TestClassifyNamesEtcdMessages checks that a stuck run can tell etcd's
// messages apart and count the followers' refusals.
func TestClassifyNamesEtcdMessages(t *testing.T) {
	tests := []struct {
		m           *pb.Message
		kind        string
		wantRefusal bool
	}{
		{&pb.Message{Type: pb.MessageType_MsgApp.Enum()}, "MsgApp", false},
		{&pb.Message{Type: pb.MessageType_MsgAppResp.Enum()}, "MsgAppResp", false},
		{&pb.Message{Type: pb.MessageType_MsgAppResp.Enum(), Reject: proto.Bool(true)}, "MsgAppResp", true},
		{&pb.Message{Type: pb.MessageType_MsgVote.Enum(), Reject: proto.Bool(true)}, "MsgVote", false},
	}
	for _, tt := range tests {
		kind, refusal := classify(encode(tt.m))
		if kind != tt.kind || refusal != tt.wantRefusal {
			t.Errorf("classify(%v) = %q, %v; want %q, %v", tt.m, kind, refusal, tt.kind, tt.wantRefusal)
		}
	}
	if kind, _ := classify("not a wire"); kind != "string" {
		t.Errorf("classify of a foreign message: %q, want its Go type", kind)
	}
}
