package mapreduce

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

const client node.ID = 7

// newTestStorage starts a storage node over env's disk.
func newTestStorage(env *fakeEnv, restarted bool, initial ...File) *Storage {
	s := NewStorage(initial)().(*Storage)
	s.Handle(env, &node.Start{Restarted: restarted})
	return s
}

func TestStorageServesRequests(t *testing.T) {
	env := newFakeEnv(0)
	s := newTestStorage(env, false, File{Name: "in", Data: []byte("hello")})
	if !slices.Equal(node.SortedKeys(env.disk.durable), []string{"in"}) || string(env.disk.durable["in"]) != "hello" {
		t.Fatalf("initial file not durable: %q", env.disk.durable)
	}
	tests := []struct {
		req  any
		want any
	}{
		{ReadReq{Tag: 1, Name: "in"}, ReadResp{Tag: 1, Name: "in", Found: true, Data: []byte("hello")}},
		{ReadReq{Tag: 2, Name: "nope"}, ReadResp{Tag: 2, Name: "nope"}},
		{WriteReq{Tag: 3, Name: "tmp", Data: []byte("out")}, WriteResp{Tag: 3, Name: "tmp"}},
		{AppendReq{Tag: 4, Name: "log", Data: []byte("a")}, AppendResp{Tag: 4, Name: "log"}},
		{AppendReq{Tag: 5, Name: "log", Data: []byte("b")}, AppendResp{Tag: 5, Name: "log"}},
		{ReadReq{Tag: 6, Name: "log"}, ReadResp{Tag: 6, Name: "log", Found: true, Data: []byte("ab")}},
		{RenameReq{Tag: 7, From: "tmp", To: "mr-out-0"}, RenameResp{Tag: 7, From: "tmp", To: "mr-out-0", OK: true}},
		// A retried rename whose answer was lost succeeds again.
		{RenameReq{Tag: 7, From: "tmp", To: "mr-out-0"}, RenameResp{Tag: 7, From: "tmp", To: "mr-out-0", OK: true}},
		{RenameReq{Tag: 8, From: "gone", To: "elsewhere"}, RenameResp{Tag: 8, From: "gone", To: "elsewhere"}},
		{ListReq{Tag: 9, Prefix: "mr-out-"}, ListResp{Tag: 9, Prefix: "mr-out-", Names: []string{"mr-out-0"}}},
		{ListReq{Tag: 10, Prefix: ""}, ListResp{Tag: 10, Names: []string{"in", "log", "mr-out-0"}}},
	}
	for _, tt := range tests {
		s.Handle(env, &node.Recv{From: client, Msg: tt.req})
		sent := env.take()
		if len(sent) != 1 || sent[0].to != client {
			t.Fatalf("%T%+v: sent %+v; want one answer to the client", tt.req, tt.req, sent)
		}
		if got := sent[0].msg; !equalMsg(got, tt.want) {
			t.Errorf("%T%+v: got %+v; want %+v", tt.req, tt.req, got, tt.want)
		}
		if len(env.disk.pending) != 0 {
			t.Errorf("%T: answered with %d writes not synced", tt.req, len(env.disk.pending))
		}
	}
	if data, ok := s.File("mr-out-0"); !ok || string(data) != "out" {
		t.Errorf("File(mr-out-0) = %q, %v; want out", data, ok)
	}
}

// equalMsg compares messages, treating nil and empty byte slices alike.
func equalMsg(a, b any) bool {
	ra, okA := a.(ReadResp)
	rb, okB := b.(ReadResp)
	if okA && okB {
		return ra.Tag == rb.Tag && ra.Name == rb.Name && ra.Found == rb.Found && bytes.Equal(ra.Data, rb.Data)
	}
	la, okA := a.(ListResp)
	lb, okB := b.(ListResp)
	if okA && okB {
		return la.Tag == lb.Tag && la.Prefix == lb.Prefix && slices.Equal(la.Names, lb.Names)
	}
	return a == b
}

// TestStorageRenameIsAtomicUnderCrash crashes the storage node after every
// prefix of a rename's effects, keeping every prefix of the writes not yet
// synced: the target is always absent or whole, and the data is always
// somewhere; a restarted node serves what survived, and the retried rename
// then succeeds.
func TestStorageRenameIsAtomicUnderCrash(t *testing.T) {
	const tmp, final = "mr-tmp-0-n3-1-7", "mr-out-0"
	old, data := []byte("key 1\n"), []byte("key 2\nother 3\n")
	for _, previous := range [][]byte{nil, old} { // a first commit, or a duplicate's
		env := newFakeEnv(0)
		s := newTestStorage(env, false)
		if previous != nil {
			s.Handle(env, &node.Recv{From: client, Msg: WriteReq{Tag: 1, Name: final, Data: previous}})
		}
		s.Handle(env, &node.Recv{From: client, Msg: WriteReq{Tag: 2, Name: tmp, Data: data}})
		before := maps.Clone(env.disk.durable)
		env.effects = nil
		s.Handle(env, &node.Recv{From: client, Msg: RenameReq{Tag: 3, From: tmp, To: final}})
		log := env.effects
		for cut := 0; cut <= len(log); cut++ {
			for keep := 0; ; keep++ {
				files, ok := durableAfter(before, log, cut, keep)
				if !ok {
					break
				}
				got, has := files[final]
				if has && !bytes.Equal(got, data) && !bytes.Equal(got, previous) {
					t.Fatalf("crash after %d of %d effects, keeping %d unsynced: %s holds %q", cut, len(log), keep, final, got)
				}
				if !bytes.Equal(got, data) && !bytes.Equal(files[tmp], data) {
					t.Fatalf("crash after %d of %d effects, keeping %d unsynced: the output is lost (%q)", cut, len(log), keep, files)
				}
				acked := slices.ContainsFunc(log[:cut], func(e effect) bool { return e.send != nil })
				if acked && !bytes.Equal(got, data) {
					t.Fatalf("crash after %d effects: the rename was acknowledged but %s holds %q", cut, final, got)
				}
				// Restart over what survived and retry the rename.
				renv := newFakeEnv(0)
				renv.disk.durable, renv.disk.view = maps.Clone(files), maps.Clone(files)
				rs := newTestStorage(renv, true)
				rs.Handle(renv, &node.Recv{From: client, Msg: RenameReq{Tag: 3, From: tmp, To: final}})
				if resp := renv.take()[0].msg.(RenameResp); !resp.OK {
					t.Fatalf("crash after %d effects, keeping %d: retried rename failed", cut, keep)
				}
				if got, _ := rs.File(final); !bytes.Equal(got, data) {
					t.Fatalf("crash after %d effects, keeping %d: after the retry %s holds %q", cut, keep, final, got)
				}
			}
		}
	}
}

// TestStorageRestartKeepsFiles: a restarted storage node rebuilds its view
// from the disk and does not overwrite files with the initial contents.
func TestStorageRestartKeepsFiles(t *testing.T) {
	env := newFakeEnv(0)
	s := newTestStorage(env, false, File{Name: "in", Data: []byte("v1")})
	s.Handle(env, &node.Recv{From: client, Msg: WriteReq{Tag: 1, Name: "in", Data: []byte("v2")}})
	env.disk.crash(0)
	s = newTestStorage(env, true, File{Name: "in", Data: []byte("v1")})
	if got, _ := s.File("in"); string(got) != "v2" {
		t.Errorf("after restart in = %q; want the acknowledged v2", got)
	}
}
