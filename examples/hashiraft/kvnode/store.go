package kvnode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// FileStore is raft's LogStore and StableStore on plain files in one
// directory, written with nothing but os calls, so that it runs under
// wasip1 as it does natively. (raft-boltdb, the store hashicorp ships,
// maps its file into memory, which wasip1 cannot do.)
//
// The log is one file of records, each [length u32][CRC-32C u32][payload]:
// an entry, or a deletion of a range of entries. StoreLogs appends the
// entries and fsyncs the file before it returns, which is what raft
// requires before it acknowledges them; it then appends the log's new
// length to a ledger file and fsyncs that too, so the store knows how much
// of its log it ever promised. When deletions have made most of the file
// dead, it is rewritten: the ledger first, then a new log, each written
// aside, fsynced, renamed over the old one, and the directory fsynced.
//
// At open the records are replayed. A record cut short at the end of the
// file is a write torn by a crash after the last fsync, and is cut off. But
// the store refuses to open (a *DamageError naming the file, the offset and
// what it found) rather than forget what it synced: a whole record that
// does not verify, a log shorter than its ledger says was synced, a log
// without its ledger or its stable store. A real disk does that (a flipped
// bit, a truncated or lost file), and raft would otherwise come back
// having forgotten a vote or an entry it acknowledged.
//
// The stable store (term, vote) is one small file replaced the same way at
// every Set.
type FileStore struct {
	opts FileStoreOptions
	dir  string

	mu      sync.Mutex
	log     *os.File
	ledger  *os.File
	size    int64 // the log file's length
	records int   // records in the log file
	entries map[uint64]*raft.Log
	first   uint64
	last    uint64
	stable  map[string][]byte
}

// FileStoreOptions configure a FileStore.
type FileStoreOptions struct {
	// NoSync skips every fsync, as raft-boltdb's option of that name:
	// faster and unsafe, since raft then acknowledges entries a crash can
	// lose.
	NoSync bool
}

const (
	logName    = "raft.log"
	ledgerName = "raft.ledger"
	stableName = "raft.stable"

	recordEntry  = 'e'
	recordDelete = 'd'
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// OpenFileStore opens (creating it if needed) the store in dir.
func OpenFileStore(dir string, opts FileStoreOptions) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &FileStore{opts: opts, dir: dir, entries: map[uint64]*raft.Log{}, stable: map[string][]byte{}}
	if err := s.loadStable(); err != nil {
		return nil, err
	}
	synced, err := s.loadLedger()
	if err != nil {
		return nil, err
	}
	if err := s.loadLog(synced); err != nil {
		return nil, err
	}
	return s, nil
}

// DamageError is a store that refuses to open: what it read of File at
// Offset is not what it synced there.
type DamageError struct {
	File   string
	Offset int64
	Found  string
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("%s is damaged at offset %d: %s; the store refuses to open rather than forget what it synced", e.File, e.Offset, e.Found)
}

// loadLedger reads how many bytes of the log were synced: the last record
// of the ledger that verifies (a torn last record is a crash's). It opens
// the ledger for appending.
func (s *FileStore) loadLedger() (int64, error) {
	data, err := os.ReadFile(s.path(ledgerName))
	missing := errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		return 0, err
	}
	var synced int64
	good := 0
	for off := 0; off < len(data); {
		payload, n, ok := readRecord(data[off:])
		if !ok || len(payload) != 8 {
			if whole(data[off:]) {
				return 0, &DamageError{File: s.path(ledgerName), Offset: int64(off), Found: "a record that does not verify"}
			}
			break // torn by a crash
		}
		synced = int64(binary.LittleEndian.Uint64(payload))
		off += n
		good = off
	}
	logInfo, logErr := os.Stat(s.path(logName))
	switch {
	case missing && logErr == nil && logInfo.Size() > 0:
		return 0, &DamageError{File: s.path(ledgerName), Found: "the file is missing, yet the log has records"}
	case synced > 0 && len(s.stable) == 0:
		return 0, &DamageError{File: s.path(stableName), Found: "the stable store (term, vote) is missing, yet the log was synced"}
	}
	f, err := os.OpenFile(s.path(ledgerName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	if good < len(data) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return 0, err
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return 0, err
	}
	s.ledger = f
	return synced, nil
}

// whole says whether b holds a whole record (by its length field), which a
// crash's torn write cannot leave behind: a crash keeps a prefix of the
// last write, so only the last record can be cut short.
func whole(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	n := int(binary.LittleEndian.Uint32(b))
	return n == 0 || 8+n <= len(b)
}

func (s *FileStore) path(name string) string { return filepath.Join(s.dir, name) }

// loadLog replays the log file and opens it for appending; synced is how
// much of it the ledger says was synced.
func (s *FileStore) loadLog(synced int64) error {
	data, err := os.ReadFile(s.path(logName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	good := 0
	for off := 0; off < len(data); {
		payload, n, ok := readRecord(data[off:])
		if !ok {
			if whole(data[off:]) {
				return &DamageError{File: s.path(logName), Offset: int64(off), Found: "a whole record that does not verify"}
			}
			break // torn by a crash
		}
		if err := s.replay(payload); err != nil {
			return &DamageError{File: s.path(logName), Offset: int64(off), Found: err.Error()}
		}
		s.records++
		off += n
		good = off
	}
	if int64(good) < synced {
		return &DamageError{File: s.path(logName), Offset: int64(good), Found: fmt.Sprintf("the log ends there, where its ledger says %d bytes were synced", synced)}
	}
	f, err := os.OpenFile(s.path(logName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if good < len(data) {
		// A torn tail: what the last crash left of a write never synced.
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return err
		}
		if err := s.sync(f); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return err
	}
	s.log, s.size = f, int64(good)
	return nil
}

// readRecord reads the record at the start of b: its payload and length,
// or false if b does not start with a whole record that verifies.
func readRecord(b []byte) ([]byte, int, bool) {
	if len(b) < 8 {
		return nil, 0, false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n == 0 || len(b)-8 < n {
		return nil, 0, false
	}
	payload := b[8 : 8+n]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, 0, false
	}
	return payload, 8 + n, true
}

func appendRecord(out, payload []byte) []byte {
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(payload, castagnoli))
	return append(out, payload...)
}

// replay applies one record read back from the file.
func (s *FileStore) replay(p []byte) error {
	switch p[0] {
	case recordEntry:
		l, err := decodeLog(p[1:])
		if err != nil {
			return err
		}
		s.put(l)
	case recordDelete:
		if len(p) != 17 {
			return errors.New("a deletion record of the wrong size")
		}
		s.delete(binary.LittleEndian.Uint64(p[1:]), binary.LittleEndian.Uint64(p[9:]))
	default:
		return fmt.Errorf("a record of unknown kind %q", p[0])
	}
	return nil
}

func (s *FileStore) put(l *raft.Log) {
	s.entries[l.Index] = l
	if s.first == 0 || l.Index < s.first {
		s.first = l.Index
	}
	s.last = max(s.last, l.Index)
}

func (s *FileStore) delete(lo, hi uint64) {
	for i := lo; i <= hi && i != 0; i++ {
		delete(s.entries, i)
	}
	s.first, s.last = 0, 0
	for i := range s.entries {
		if s.first == 0 || i < s.first {
			s.first = i
		}
		s.last = max(s.last, i)
	}
}

func encodeLog(l *raft.Log) []byte {
	b := []byte{recordEntry}
	b = binary.LittleEndian.AppendUint64(b, l.Index)
	b = binary.LittleEndian.AppendUint64(b, l.Term)
	b = append(b, byte(l.Type))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l.Data)))
	b = append(b, l.Data...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l.Extensions)))
	b = append(b, l.Extensions...)
	return binary.LittleEndian.AppendUint64(b, uint64(l.AppendedAt.UnixNano()))
}

func decodeLog(b []byte) (*raft.Log, error) {
	bad := errors.New("a malformed entry record")
	if len(b) < 21 {
		return nil, bad
	}
	l := &raft.Log{Index: binary.LittleEndian.Uint64(b), Term: binary.LittleEndian.Uint64(b[8:]), Type: raft.LogType(b[16])}
	b = b[17:]
	field := func() ([]byte, bool) {
		if len(b) < 4 {
			return nil, false
		}
		n := int(binary.LittleEndian.Uint32(b))
		if len(b)-4 < n {
			return nil, false
		}
		f := bytes.Clone(b[4 : 4+n])
		b = b[4+n:]
		return f, true
	}
	var ok bool
	if l.Data, ok = field(); !ok {
		return nil, bad
	}
	if l.Extensions, ok = field(); !ok || len(b) != 8 {
		return nil, bad
	}
	l.AppendedAt = time.Unix(0, int64(binary.LittleEndian.Uint64(b)))
	return l, nil
}

func (s *FileStore) sync(f *os.File) error {
	if s.opts.NoSync {
		return nil
	}
	return f.Sync()
}

// write appends records to the log and fsyncs it, then records the log's
// synced length in the ledger and fsyncs that.
func (s *FileStore) write(payloads ...[]byte) error {
	var buf []byte
	for _, p := range payloads {
		buf = appendRecord(buf, p)
	}
	if _, err := s.log.Write(buf); err != nil {
		return err
	}
	s.records += len(payloads)
	s.size += int64(len(buf))
	if err := s.sync(s.log); err != nil {
		return err
	}
	if _, err := s.ledger.Write(appendRecord(nil, binary.LittleEndian.AppendUint64(nil, uint64(s.size)))); err != nil {
		return err
	}
	return s.sync(s.ledger)
}

// FirstIndex implements raft.LogStore.
func (s *FileStore) FirstIndex() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first, nil
}

// LastIndex implements raft.LogStore.
func (s *FileStore) LastIndex() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, nil
}

// GetLog implements raft.LogStore.
func (s *FileStore) GetLog(index uint64, log *raft.Log) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.entries[index]
	if !ok {
		return raft.ErrLogNotFound
	}
	*log = *l
	return nil
}

// StoreLog implements raft.LogStore.
func (s *FileStore) StoreLog(log *raft.Log) error { return s.StoreLogs([]*raft.Log{log}) }

// StoreLogs implements raft.LogStore: the entries are durable when it
// returns.
func (s *FileStore) StoreLogs(logs []*raft.Log) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	payloads := make([][]byte, len(logs))
	for i, l := range logs {
		payloads[i] = encodeLog(l)
	}
	if err := s.write(payloads...); err != nil {
		return err
	}
	for _, l := range logs {
		c := *l
		s.put(&c)
	}
	return nil
}

// DeleteRange implements raft.LogStore.
func (s *FileStore) DeleteRange(lo, hi uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := []byte{recordDelete}
	p = binary.LittleEndian.AppendUint64(p, lo)
	p = binary.LittleEndian.AppendUint64(p, hi)
	if err := s.write(p); err != nil {
		return err
	}
	s.delete(lo, hi)
	if s.records > 2*len(s.entries)+256 {
		return s.compact()
	}
	return nil
}

// compact rewrites the log with only its live entries.
func (s *FileStore) compact() error {
	idx := make([]uint64, 0, len(s.entries))
	for i := range s.entries {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	var buf []byte
	for _, i := range idx {
		buf = appendRecord(buf, encodeLog(s.entries[i]))
	}
	// The ledger first: a crash between the two leaves the old, longer log
	// under a ledger that promises less of it, which is no damage.
	if err := s.replace(ledgerName, appendRecord(nil, binary.LittleEndian.AppendUint64(nil, uint64(len(buf))))); err != nil {
		return err
	}
	if err := s.replace(logName, buf); err != nil {
		return err
	}
	for _, old := range []*os.File{s.log, s.ledger} {
		old.Close()
	}
	var files [2]*os.File
	for i, name := range []string{logName, ledgerName} {
		f, err := os.OpenFile(s.path(name), os.O_RDWR, 0o644)
		if err == nil {
			_, err = f.Seek(0, io.SeekEnd)
		}
		if err != nil {
			return err
		}
		files[i] = f
	}
	s.log, s.ledger, s.records, s.size = files[0], files[1], len(idx), int64(len(buf))
	return nil
}

// replace writes a file whole and durably: a temporary file, fsynced,
// renamed over the old one, and the directory fsynced.
func (s *FileStore) replace(name string, data []byte) error {
	tmp := s.path(name + ".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := s.sync(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(name)); err != nil {
		return err
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return s.sync(d)
}

func (s *FileStore) loadStable() error {
	data, err := os.ReadFile(s.path(stableName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	payload, n, ok := readRecord(data)
	if !ok || n != len(data) {
		// Replaced whole and synced before the rename: never torn.
		return &DamageError{File: s.path(stableName), Found: "the file does not verify"}
	}
	for b := payload; len(b) > 0; {
		var kv [2][]byte
		for i := range kv {
			if len(b) < 4 || len(b)-4 < int(binary.LittleEndian.Uint32(b)) {
				return &DamageError{File: s.path(stableName), Offset: int64(len(payload) - len(b)), Found: "a malformed entry"}
			}
			n := int(binary.LittleEndian.Uint32(b))
			kv[i], b = bytes.Clone(b[4:4+n]), b[4+n:]
		}
		s.stable[string(kv[0])] = kv[1]
	}
	return nil
}

// Set implements raft.StableStore: the value is durable when it returns.
func (s *FileStore) Set(key, val []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stable[string(key)] = bytes.Clone(val)
	keys := make([]string, 0, len(s.stable))
	for k := range s.stable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var payload []byte
	for _, k := range keys {
		payload = binary.LittleEndian.AppendUint32(payload, uint32(len(k)))
		payload = append(payload, k...)
		payload = binary.LittleEndian.AppendUint32(payload, uint32(len(s.stable[k])))
		payload = append(payload, s.stable[k]...)
	}
	return s.replace(stableName, appendRecord(nil, payload))
}

// Get implements raft.StableStore.
func (s *FileStore) Get(key []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.stable[string(key)]
	if !ok {
		return nil, errors.New("not found")
	}
	return bytes.Clone(v), nil
}

// SetUint64 implements raft.StableStore.
func (s *FileStore) SetUint64(key []byte, val uint64) error {
	return s.Set(key, binary.LittleEndian.AppendUint64(nil, val))
}

// GetUint64 implements raft.StableStore; a missing key reads as 0.
func (s *FileStore) GetUint64(key []byte) (uint64, error) {
	v, err := s.Get(key)
	if err != nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("stable key %q holds %d bytes, not a uint64", key, len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}

// Close closes the log and its ledger.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ledger.Close()
	return s.log.Close()
}

var (
	_ raft.LogStore    = (*FileStore)(nil)
	_ raft.StableStore = (*FileStore)(nil)
)
