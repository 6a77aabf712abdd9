// Command lazysync is kvnode with a broken log store, for the tests of
// package guests: it acknowledges entries before they are durable. Its
// StoreLogs keeps the entries in memory and returns; a goroutine writes
// them to the FileStore (which fsyncs) every 20 ms, a group commit whose
// writer forgot to wait for the commit. Raft then tells the leader an
// entry is stored that a crash can take back, and a majority of such
// servers can lose a write the clients were told succeeded.
package main

import (
	"os"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/simlab-go/simlab/examples/hashiraft/kvnode"
)

func main() {
	os.Exit(kvnode.Main(os.Args[1:], os.Stdout, os.Stderr, func(dir string) (kvnode.Store, error) {
		fs, err := kvnode.OpenFileStore(dir+"/raft", kvnode.FileStoreOptions{})
		if err != nil {
			return nil, err
		}
		s := &lazyStore{FileStore: fs, mem: raft.NewInmemStore()}
		first, _ := fs.FirstIndex()
		last, _ := fs.LastIndex()
		for i := first; i <= last && i > 0; i++ {
			var l raft.Log
			if fs.GetLog(i, &l) == nil {
				s.mem.StoreLog(&l)
			}
		}
		go s.flush()
		return s, nil
	}))
}

// lazyStore answers raft's log calls from memory and writes to its
// FileStore later; the stable store is the FileStore's, synced.
type lazyStore struct {
	*kvnode.FileStore
	mem *raft.InmemStore

	mu      sync.Mutex
	pending []*raft.Log
}

func (s *lazyStore) FirstIndex() (uint64, error)        { return s.mem.FirstIndex() }
func (s *lazyStore) LastIndex() (uint64, error)         { return s.mem.LastIndex() }
func (s *lazyStore) GetLog(i uint64, l *raft.Log) error { return s.mem.GetLog(i, l) }
func (s *lazyStore) StoreLog(l *raft.Log) error         { return s.StoreLogs([]*raft.Log{l}) }

func (s *lazyStore) StoreLogs(logs []*raft.Log) error {
	if err := s.mem.StoreLogs(logs); err != nil {
		return err
	}
	s.mu.Lock()
	s.pending = append(s.pending, logs...)
	s.mu.Unlock()
	return nil // not durable yet
}

func (s *lazyStore) DeleteRange(lo, hi uint64) error {
	s.write()
	if err := s.mem.DeleteRange(lo, hi); err != nil {
		return err
	}
	return s.FileStore.DeleteRange(lo, hi)
}

// write hands the pending entries to the FileStore.
func (s *lazyStore) write() {
	s.mu.Lock()
	batch := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(batch) > 0 {
		s.FileStore.StoreLogs(batch)
	}
}

func (s *lazyStore) flush() {
	for {
		time.Sleep(20 * time.Millisecond)
		s.write()
	}
}
