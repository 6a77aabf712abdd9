package mapreduce

import (
	"slices"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// Storage is the node standing in for the distributed file system: it
// serves ReadReq, WriteReq, AppendReq, RenameReq and ListReq over messages
// and keeps every file on its disk, synced before it answers. It is a
// single node: scenarios never crash it, as the paper's GFS never loses a
// file.
//
// Rename is the commit point of a reduce output: it writes the new name
// with one atomic WriteFile and removes the old one, so a crash at any
// point leaves the new name absent or whole, never partial.
type Storage struct {
	initial []File
	files   map[string][]byte // mirror of the disk, for observers
	version uint64
}

// NewStorage returns the storage node's factory. The initial files (the
// job's inputs) are written at first start and after any restart that
// finds them missing.
func NewStorage(initial []File) node.Factory {
	return func() node.Handler { return &Storage{initial: initial, files: map[string][]byte{}} }
}

// File returns the named file's contents as the storage node sees them.
// The caller must not modify them.
func (s *Storage) File(name string) ([]byte, bool) {
	data, ok := s.files[name]
	return data, ok
}

// Names returns the names starting with prefix, sorted.
func (s *Storage) Names(prefix string) []string {
	var out []string
	for _, name := range node.SortedKeys(s.files) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// Version counts the changes to the stored files, so observers can tell
// when to look again.
func (s *Storage) Version() uint64 { return s.version }

// Handle implements node.Handler.
func (s *Storage) Handle(env node.Env, ev node.Event) {
	switch ev := ev.(type) {
	case *node.Start:
		s.load(env)
	case *node.Recv:
		s.serve(env, ev.From, ev.Msg)
	}
}

// load rebuilds the mirror from the disk and writes missing inputs.
func (s *Storage) load(env node.Env) {
	d := env.Disk()
	for _, name := range d.Names() {
		if data, err := d.ReadFile(name); err == nil {
			s.files[name] = data
		}
	}
	wrote := false
	for _, f := range s.initial {
		if _, ok := s.files[f.Name]; !ok {
			d.WriteFile(f.Name, f.Data)
			s.files[f.Name] = f.Data
			wrote = true
		}
	}
	if wrote {
		d.Sync()
	}
	s.version++
}

func (s *Storage) serve(env node.Env, from node.ID, msg any) {
	d := env.Disk()
	switch m := msg.(type) {
	case ReadReq:
		data, ok := s.files[m.Name]
		env.Send(from, ReadResp{Tag: m.Tag, Name: m.Name, Found: ok, Data: data})
	case WriteReq:
		d.WriteFile(m.Name, m.Data)
		d.Sync()
		s.set(m.Name, slices.Clip(slices.Clone(m.Data)))
		env.Send(from, WriteResp{Tag: m.Tag, Name: m.Name})
	case AppendReq:
		d.Append(m.Name, m.Data)
		d.Sync()
		s.set(m.Name, append(slices.Clip(s.files[m.Name]), m.Data...))
		env.Send(from, AppendResp{Tag: m.Tag, Name: m.Name})
	case RenameReq:
		ok := s.rename(d, m.From, m.To)
		env.Send(from, RenameResp{Tag: m.Tag, From: m.From, To: m.To, OK: ok})
	case ListReq:
		env.Send(from, ListResp{Tag: m.Tag, Prefix: m.Prefix, Names: s.Names(m.Prefix)})
	}
}

// rename moves from to to, durably. A retry of a rename that already
// happened finds from gone and to present, and succeeds again.
func (s *Storage) rename(d node.Disk, from, to string) bool {
	data, ok := s.files[from]
	if !ok {
		_, done := s.files[to]
		return done
	}
	if from == to {
		return true
	}
	d.WriteFile(to, data) // atomic: to is absent, old or whole, never partial
	d.Remove(from)
	d.Sync()
	s.set(to, data)
	delete(s.files, from)
	return true
}

func (s *Storage) set(name string, data []byte) {
	if data == nil {
		data = []byte{}
	}
	s.files[name] = data
	s.version++
}
