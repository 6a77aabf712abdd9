package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/sim"
	"github.com/simlab-go/simlab/sim/node"
)

// diskRun runs one node whose first incarnation calls write at start; the
// node is then crashed between events and restarted, and what the restarted
// incarnation reads (every file, by name) is returned.
func diskRun(t *testing.T, seed uint64, cfg sim.DiskConfig, write func(d node.Disk)) map[string]string {
	t.Helper()
	w := sim.New(seed, sim.Config{Disk: cfg})
	after := map[string]string{}
	a := newJournal(w).add("a", hooks{start: func(env node.Env, restarted bool) {
		d := env.Disk()
		if !restarted {
			write(d)
			return
		}
		for _, name := range d.Names() {
			data, err := d.ReadFile(name)
			if err != nil {
				t.Errorf("ReadFile(%q) of a listed file: %v", name, err)
			}
			after[name] = string(data)
		}
	}})
	runFor(t, w, time.Millisecond)
	w.Crash(a)
	w.Restart(a)
	runFor(t, w, time.Millisecond)
	return after
}

// TestDiskBasics: the file-store operations within and across handler
// calls of one incarnation, without crashes.
func TestDiskBasics(t *testing.T) {
	w := sim.New(1, sim.Config{})
	step := 0
	var failures []string
	errorf := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	a := newJournal(w).add("a", hooks{
		start: func(env node.Env, _ bool) {
			d := env.Disk()
			if data, err := d.ReadFile("missing"); !errors.Is(err, node.ErrNotExist) || data != nil {
				errorf("ReadFile(missing) = %q, %v; want nil, ErrNotExist", data, err)
			}
			if names := d.Names(); len(names) != 0 {
				errorf("Names() of an empty disk = %v; want none", names)
			}
			buf := []byte("hello")
			d.WriteFile("b", buf)
			buf[0] = 'J' // the disk kept a copy
			if data, err := d.ReadFile("b"); err != nil || string(data) != "hello" {
				errorf("ReadFile(b) right after WriteFile = %q, %v; want hello", data, err)
			}
			got, _ := d.ReadFile("b")
			got[0] = 'X' // the caller got a copy
			if data, _ := d.ReadFile("b"); string(data) != "hello" {
				errorf("ReadFile(b) after mutating an earlier result = %q; want hello", data)
			}
			app := []byte("12")
			d.Append("c", app)
			app[0] = '9'
			d.Append("c", []byte("34"))
			if data, _ := d.ReadFile("c"); string(data) != "1234" {
				errorf("ReadFile(c) after two Appends = %q; want 1234", data)
			}
			d.WriteFile("a", nil)
			if data, err := d.ReadFile("a"); err != nil || len(data) != 0 {
				errorf("ReadFile(a) of an empty file = %q, %v; want empty, nil", data, err)
			}
			d.Append("e", nil)
			if _, err := d.ReadFile("e"); err != nil {
				errorf("ReadFile(e) after an empty Append = %v; want the file to exist", err)
			}
			d.WriteFile("b", []byte("replaced"))
			d.Remove("missing") // no-op
			if names := d.Names(); !slices.Equal(names, []string{"a", "b", "c", "e"}) {
				errorf("Names() = %v; want [a b c e]", names)
			}
			env.SetTimer(time.Millisecond, nil)
		},
		timeout: func(env node.Env, _ node.TimerID, _ any) {
			step++
			d := env.Disk()
			// No Sync yet: still visible to the incarnation that wrote it.
			if data, _ := d.ReadFile("b"); string(data) != "replaced" {
				errorf("ReadFile(b) in a later call = %q; want replaced", data)
			}
			d.Remove("b")
			if _, err := d.ReadFile("b"); !errors.Is(err, node.ErrNotExist) {
				errorf("ReadFile(b) after Remove: %v; want ErrNotExist", err)
			}
			if names := d.Names(); !slices.Equal(names, []string{"a", "c", "e"}) {
				errorf("Names() after Remove = %v; want [a c e]", names)
			}
			d.Sync()
		},
	})
	runFor(t, w, time.Second)
	for _, f := range failures {
		t.Error(f)
	}
	if step != 1 {
		t.Fatalf("the second call ran %d times; want 1", step)
	}
	st := w.NodeStats(a)
	// WriteFile b, Append c ×2, WriteFile a, Append e, WriteFile b, Remove missing, Remove b.
	if st.DiskWrites != 8 || st.DiskSyncs != 1 || st.DiskBytes != int64(len("hello1234replaced")) {
		t.Errorf("DiskWrites %d DiskSyncs %d DiskBytes %d; want 8 1 %d", st.DiskWrites, st.DiskSyncs, st.DiskBytes, len("hello1234replaced"))
	}
}

// TestDiskUnsyncedPrefix: a crash keeps a prefix of the unsynced writes, in
// order, never a later write without every earlier one; across seeds every
// prefix length occurs. Torn is off, so no record is ever partial.
func TestDiskUnsyncedPrefix(t *testing.T) {
	const n, seeds = 5, 200
	tests := []struct {
		name  string
		write func(d node.Disk)
		// kept returns how many of the n writes the state after the
		// crash reflects, or an error if it is not a prefix.
		kept func(after map[string]string) (int, error)
	}{
		{
			name: "appends to one file",
			write: func(d node.Disk) {
				for i := 1; i <= n; i++ {
					d.Append("log", fmt.Appendf(nil, "r%d;", i))
				}
			},
			kept: func(after map[string]string) (int, error) {
				full := "r1;r2;r3;r4;r5;"
				got, ok := after["log"]
				if !ok {
					return 0, nil
				}
				if !strings.HasPrefix(full, got) || len(got)%3 != 0 || got == "" {
					return 0, fmt.Errorf("log = %q; want a non-empty whole-record prefix of %q", got, full)
				}
				return len(got) / 3, nil
			},
		},
		{
			name: "one file per write",
			write: func(d node.Disk) {
				for i := 1; i <= n; i++ {
					d.WriteFile(fmt.Sprintf("f%d", i), []byte{byte(i)})
				}
			},
			kept: func(after map[string]string) (int, error) {
				for i := 1; i <= len(after); i++ {
					if after[fmt.Sprintf("f%d", i)] != string([]byte{byte(i)}) {
						return 0, fmt.Errorf("files %v; want f1..fk", after)
					}
				}
				return len(after), nil
			},
		},
		{
			name: "writes then removes",
			write: func(d node.Disk) {
				d.WriteFile("x", []byte("1"))
				d.WriteFile("x", []byte("2"))
				d.Remove("x")
				d.WriteFile("x", []byte("4"))
				d.Remove("x")
			},
			kept: func(after map[string]string) (int, error) {
				// the file's state after each prefix length 0..5
				states := []string{"", "1", "2", "", "4", ""}
				got, ok := after["x"]
				if len(after) > 1 {
					return 0, fmt.Errorf("files %v; want at most x", after)
				}
				var ks []int
				for k, s := range states {
					if (s == "" && !ok) || (ok && s == got) {
						ks = append(ks, k)
					}
				}
				if len(ks) == 0 {
					return 0, fmt.Errorf("x = %q (exists %v) matches no prefix", got, ok)
				}
				return ks[0], nil // absent is ambiguous; count the first
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[int]int{}
			for seed := uint64(1); seed <= seeds; seed++ {
				after := diskRun(t, seed, sim.DiskConfig{}, tc.write)
				k, err := tc.kept(after)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				seen[k]++
			}
			for k := 0; k <= n; k++ {
				if tc.name == "writes then removes" && (k == 3 || k == 5) {
					continue // indistinguishable from k == 0
				}
				if seen[k] == 0 {
					t.Errorf("no seed of %d kept exactly %d writes (counts %v); want every prefix", seeds, k, seen)
				}
			}
		})
	}
}

// TestDiskSyncedSurvives: writes before a Sync always survive a crash;
// writes after it may or may not, as a prefix.
func TestDiskSyncedSurvives(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= 100; seed++ {
		after := diskRun(t, seed, sim.DiskConfig{Torn: true}, func(d node.Disk) {
			d.WriteFile("a", []byte("A"))
			d.Append("log", []byte("0123456789"))
			d.Remove("gone")
			d.Sync()
			d.WriteFile("b", []byte("B"))
			d.Append("log", []byte("abcdef"))
		})
		if after["a"] != "A" || !strings.HasPrefix(after["log"], "0123456789") {
			t.Fatalf("seed %d: after crash %v; want a=A and log starting with the synced 0123456789", seed, after)
		}
		_, hasB := after["b"]
		extra := strings.TrimPrefix(after["log"], "0123456789")
		if extra != "" && !hasB {
			t.Fatalf("seed %d: after crash %v: the later append survived without the earlier write of b", seed, after)
		}
		if !strings.HasPrefix("abcdef", extra) {
			t.Fatalf("seed %d: log tail %q; want a prefix of abcdef", seed, extra)
		}
		seen[fmt.Sprintf("b=%v tail=%d", hasB, len(extra))]++
	}
	for _, want := range []string{"b=false tail=0", "b=true tail=0", "b=true tail=6"} {
		if seen[want] == 0 {
			t.Errorf("outcome %q never happened in 100 seeds (%v); want it to", want, seen)
		}
	}
}

// TestDiskSyncFile: SyncFile makes one file's writes durable and no
// other's: the other files' writes stay a volatile prefix, in order, and can
// be lost while a later write to the synced file survives.
func TestDiskSyncFile(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= 100; seed++ {
		after := diskRun(t, seed, sim.DiskConfig{}, func(d node.Disk) {
			d.Append("other", []byte("o1"))
			d.Append("log", []byte("l1"))
			d.Remove("gone")
			d.Append("other", []byte("o2"))
			d.Append("log", []byte("l2"))
			d.SyncFile("log")
			d.Append("log", []byte("l3"))
		})
		if !strings.HasPrefix(after["log"], "l1l2") {
			t.Fatalf("seed %d: after crash %v; want log to start with the synced l1l2", seed, after)
		}
		if o := after["other"]; o != "" && o != "o1" && o != "o1o2" {
			t.Fatalf("seed %d: other = %q; want a prefix of its appends", seed, o)
		}
		seen[fmt.Sprintf("other=%s log=%s", after["other"], after["log"])]++
	}
	for _, want := range []string{"other= log=l1l2", "other=o1o2 log=l1l2", "other=o1o2 log=l1l2l3"} {
		if seen[want] == 0 {
			t.Errorf("outcome %q never happened in 100 seeds (%v); want it to", want, seen)
		}
	}
}

// TestDiskSyncAcrossCalls: a Sync makes durable the writes of earlier
// handler calls too, and durable data survives several crashes.
func TestDiskSyncAcrossCalls(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		w := sim.New(seed, sim.Config{})
		var reads []string
		a := newJournal(w).add("a", hooks{
			start: func(env node.Env, restarted bool) {
				d := env.Disk()
				data, _ := d.ReadFile("f")
				reads = append(reads, string(data))
				d.Append("f", []byte{'a' + byte(len(reads)-1)})
				env.SetTimer(time.Millisecond, nil)
			},
			timeout: func(env node.Env, _ node.TimerID, _ any) { env.Disk().Sync() },
		})
		for range 3 {
			runFor(t, w, 10*time.Millisecond)
			w.Crash(a)
			w.Restart(a)
		}
		runFor(t, w, 10*time.Millisecond)
		if want := []string{"", "a", "ab", "abc"}; !slices.Equal(reads, want) {
			t.Errorf("seed %d: each incarnation read %q; want %q", seed, reads, want)
		}
	}
}

// TestDiskKeepUnsynced: with KeepUnsynced every unsynced write survives.
func TestDiskKeepUnsynced(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		after := diskRun(t, seed, sim.DiskConfig{KeepUnsynced: true}, func(d node.Disk) {
			for i := 1; i <= 5; i++ {
				d.Append("log", fmt.Appendf(nil, "r%d;", i))
				d.WriteFile(fmt.Sprintf("f%d", i), []byte("x"))
			}
			d.Remove("f3")
		})
		want := map[string]string{"log": "r1;r2;r3;r4;r5;", "f1": "x", "f2": "x", "f4": "x", "f5": "x"}
		if fmt.Sprint(after) != fmt.Sprint(want) {
			t.Fatalf("seed %d: after crash %v; want %v", seed, after, want)
		}
	}
}

// TestSetDiskConfig: the disk's crash behaviour can change during a run and
// applies to the next crash.
func TestSetDiskConfig(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		w := sim.New(seed, sim.Config{})
		if got := w.DiskConfig(); got != (sim.DiskConfig{}) {
			t.Fatalf("DiskConfig() = %+v; want the zero config", got)
		}
		var reads []string
		a := newJournal(w).add("a", hooks{start: func(env node.Env, restarted bool) {
			d := env.Disk()
			if restarted {
				data, _ := d.ReadFile("f")
				reads = append(reads, string(data))
				d.Remove("f")
				d.Sync()
			}
			for i := range 5 {
				d.Append("f", []byte{'0' + byte(i)})
			}
		}})
		runFor(t, w, time.Millisecond)
		w.SetDiskConfig(sim.DiskConfig{KeepUnsynced: true})
		if got := w.DiskConfig(); !got.KeepUnsynced || got.Torn {
			t.Fatalf("DiskConfig() = %+v; want KeepUnsynced only", got)
		}
		w.Restart(a)
		runFor(t, w, time.Millisecond)
		if want := []string{"01234"}; !slices.Equal(reads, want) {
			t.Fatalf("seed %d: read %q after a crash with KeepUnsynced; want %q", seed, reads, want)
		}
	}
}

// TestDiskTorn: with Torn, the last unsynced Append kept by a crash can
// survive partially (a strict prefix of its bytes) in some seeds; with Torn
// off, never. Either way the content is a prefix of what was written.
func TestDiskTorn(t *testing.T) {
	const rec = 8
	full := ""
	for i := 1; i <= 4; i++ {
		full += fmt.Sprintf("rec%04d|", i)
	}
	for _, torn := range []bool{false, true} {
		t.Run(fmt.Sprintf("torn=%v", torn), func(t *testing.T) {
			partial := 0
			for seed := uint64(1); seed <= 300; seed++ {
				after := diskRun(t, seed, sim.DiskConfig{Torn: torn}, func(d node.Disk) {
					for i := 0; i < len(full); i += rec {
						d.Append("log", []byte(full[i:i+rec]))
					}
				})
				got := after["log"]
				if !strings.HasPrefix(full, got) {
					t.Fatalf("seed %d: log %q; want a prefix of %q", seed, got, full)
				}
				if len(got)%rec != 0 {
					partial++
				}
			}
			if torn && partial == 0 {
				t.Errorf("Torn on: no seed of 300 left a partial record; want some")
			}
			if !torn && partial != 0 {
				t.Errorf("Torn off: %d seeds left a partial record; want none", partial)
			}
		})
	}
}

// TestDiskWriteFileNeverTorn: WriteFile replaces atomically even with Torn:
// the file after a crash is absent or one of the versions written, whole.
func TestDiskWriteFileNeverTorn(t *testing.T) {
	versions := []string{"first version....", "second version...", "third version...."}
	seen := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		after := diskRun(t, seed, sim.DiskConfig{Torn: true}, func(d node.Disk) {
			for _, v := range versions {
				d.WriteFile("f", []byte(v))
			}
		})
		got, ok := after["f"]
		if ok && !slices.Contains(versions, got) {
			t.Fatalf("seed %d: f = %q; want absent or one whole version", seed, got)
		}
		seen[got]++
	}
	for _, v := range append([]string{""}, versions...) {
		if seen[v] == 0 {
			t.Errorf("outcome %q never happened in 200 seeds (%v)", v, seen)
		}
	}
}

// TestDiskCrashMidAfterSync: a crash inside a handler that writes, syncs and
// writes again cuts its effects, disk ones included, at a random point: the
// second write never survives without the first, and every combination
// allowed occurs across seeds.
func TestDiskCrashMidAfterSync(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		w := sim.New(seed, sim.Config{})
		var after []string
		a := newJournal(w).add("a", hooks{
			start: func(env node.Env, restarted bool) {
				d := env.Disk()
				if restarted {
					for _, name := range d.Names() {
						data, _ := d.ReadFile(name)
						after = append(after, name+"="+string(data))
					}
					return
				}
				env.SetTimer(time.Millisecond, nil)
			},
			timeout: func(env node.Env, _ node.TimerID, _ any) {
				d := env.Disk()
				d.WriteFile("a", []byte("1"))
				d.Sync()
				d.WriteFile("b", []byte("2"))
				if data, _ := d.ReadFile("b"); string(data) != "2" {
					t.Errorf("a write is not visible at once inside the handler")
				}
			},
		})
		w.CrashMid(a) // armed before the very first call: the start is cut
		runFor(t, w, 0)
		if w.Up(a) {
			t.Fatalf("seed %d: CrashMid before start left the node up", seed)
		}
		w.Restart(a)
		runFor(t, w, 10*time.Millisecond)
		if len(after) != 0 {
			t.Fatalf("seed %d: disk after a cut start %v; want empty", seed, after)
		}

		// Now the crash hits the handler that writes, syncs and writes.

		w = sim.New(seed, sim.Config{})
		after = nil
		first := true
		a = newJournal(w).add("a", hooks{
			start: func(env node.Env, restarted bool) {
				d := env.Disk()
				if !first {
					for _, name := range d.Names() {
						data, _ := d.ReadFile(name)
						after = append(after, name+"="+string(data))
					}
					return
				}
				first = false
				env.SetTimer(time.Millisecond, nil)
			},
			timeout: func(env node.Env, _ node.TimerID, _ any) {
				d := env.Disk()
				d.WriteFile("a", []byte("1"))
				d.Sync()
				d.WriteFile("b", []byte("2"))
			},
		})
		runFor(t, w, 0)
		w.CrashMid(a)
		runFor(t, w, 10*time.Millisecond)
		if w.Up(a) {
			t.Fatalf("seed %d: node up after its cut handler", seed)
		}
		w.Restart(a)
		runFor(t, w, 10*time.Millisecond)
		got := strings.Join(after, " ")
		switch got {
		case "", "a=1", "a=1 b=2":
		default:
			t.Fatalf("seed %d: disk after the cut %q; want one of \"\", a=1, \"a=1 b=2\"", seed, got)
		}
		seen[got]++
	}
	for _, want := range []string{"", "a=1", "a=1 b=2"} {
		if seen[want] == 0 {
			t.Errorf("outcome %q never happened in 200 seeds (%v); want it to", want, seen)
		}
	}
}

// TestDiskPerNode: disks are per node: one node's writes never show on
// another's.
func TestDiskPerNode(t *testing.T) {
	w := sim.New(1, sim.Config{})
	var bNames []string
	j := newJournal(w)
	j.add("a", hooks{start: func(env node.Env, _ bool) {
		env.Disk().WriteFile("mine", []byte("a"))
		env.Disk().Sync()
	}})
	b := j.add("b", hooks{start: func(env node.Env, _ bool) { bNames = env.Disk().Names() }})
	runFor(t, w, time.Millisecond)
	w.Restart(b) // reads its disk again, after a's write is durable
	runFor(t, w, time.Millisecond)
	if bNames == nil || len(bNames) != 0 {
		t.Errorf("b's Names() = %#v; want an empty, non-nil list (a's file is on a's disk)", bNames)
	}
}

// diskModel is a reference model of one node's disk: what is durable, and
// the unsynced operations after it, in order.
type diskModel struct {
	durable map[string]string
	pending []diskOp
}

type diskOp struct {
	kind       string // write, append, remove
	name, data string
}

func applyOps(base map[string]string, ops []diskOp) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for _, op := range ops {
		switch op.kind {
		case "write":
			m[op.name] = op.data
		case "append":
			m[op.name] += op.data
		case "remove":
			delete(m, op.name)
		}
	}
	return m
}

func readAll(d node.Disk) map[string]string {
	m := map[string]string{}
	for _, name := range d.Names() {
		data, err := d.ReadFile(name)
		if err != nil {
			panic(err)
		}
		m[name] = string(data)
	}
	return m
}

// TestDiskModel drives random writes, appends, removes, syncs, crashes and
// restarts against a reference model: within an incarnation the disk reads
// as durable + every pending op; after a crash it reads as durable + some
// prefix of the pending ops. This catches aliasing between what the node
// sees and what is durable.
func TestDiskModel(t *testing.T) {
	names := []string{"a", "b", "c"}
	prefixes := map[int]int{}
	for seed := uint64(1); seed <= 60; seed++ {
		w := sim.New(seed, sim.Config{})
		m := &diskModel{durable: map[string]string{}}
		var problems []string
		check := func(d node.Disk, want map[string]string, when string) {
			if got := readAll(d); fmt.Sprint(got) != fmt.Sprint(want) {
				problems = append(problems, fmt.Sprintf("%s: disk reads %v; model says %v", when, got, want))
			}
		}
		act := func(env node.Env) {
			d, r := env.Disk(), env.Rand()
			for range 1 + r.IntN(4) {
				name := names[r.IntN(len(names))]
				data := fmt.Sprintf("%c%d", 'p'+rune(r.IntN(5)), r.IntN(100))
				var op diskOp
				switch x := r.IntN(10); {
				case x < 4:
					op = diskOp{"append", name, data}
					buf := []byte(data)
					d.Append(name, buf)
					buf[0] = '!' // must not reach the disk
				case x < 7:
					op = diskOp{"write", name, data}
					d.WriteFile(name, []byte(data))
				case x < 8:
					op = diskOp{"remove", name, ""}
					d.Remove(name)
				default:
					d.Sync()
					m.durable = applyOps(m.durable, m.pending)
					m.pending = nil
					continue
				}
				m.pending = append(m.pending, op)
				if got, _ := d.ReadFile(name); len(got) > 0 {
					got[0] = '?' // nor may this
				}
			}
			check(d, applyOps(m.durable, m.pending), "in a handler")
			env.SetTimer(time.Duration(1+r.IntN(5))*time.Millisecond, nil)
		}
		a := newJournal(w).add("a", hooks{
			start: func(env node.Env, restarted bool) {
				if restarted {
					got := readAll(env.Disk())
					k := -1
					for i := 0; i <= len(m.pending); i++ {
						if fmt.Sprint(applyOps(m.durable, m.pending[:i])) == fmt.Sprint(got) {
							k = i
							break
						}
					}
					if k < 0 {
						problems = append(problems, fmt.Sprintf("after a crash the disk reads %v: not durable %v plus a prefix of %v", got, m.durable, m.pending))
					} else if len(m.pending) > 0 {
						prefixes[min(k, 1)*(1+min(len(m.pending)-k, 1))]++ // 0: none kept, 1: all kept, 2: some
					}
					m.durable, m.pending = got, nil
				}
				act(env)
			},
			timeout: func(env node.Env, _ node.TimerID, _ any) { act(env) },
		})
		faults := w.Stream("faults")
		for i := range 6 {
			w.At(time.Duration(10*(i+1)+faults.IntN(10))*time.Millisecond, "restart", func() { w.Restart(a) })
		}
		runFor(t, w, 100*time.Millisecond)
		for _, p := range problems {
			t.Fatalf("seed %d: %s", seed, p)
		}
	}
	for outcome, what := range []string{"none kept", "all kept", "some kept"} {
		if prefixes[outcome] == 0 {
			t.Errorf("crash outcome %q never happened (%v)", what, prefixes)
		}
	}
}

// TestDiskSize counts the bytes of every file the running incarnation
// sees, synced or not; after a crash, what the restarted one reads.
func TestDiskSize(t *testing.T) {
	w := sim.New(1, sim.Config{})
	read := 0
	a := newJournal(w).add("a", hooks{start: func(env node.Env, restarted bool) {
		d := env.Disk()
		if restarted {
			for _, name := range d.Names() {
				data, _ := d.ReadFile(name)
				read += len(data)
			}
			return
		}
		d.WriteFile("x", []byte("12345"))
		d.Append("y", []byte("ab"))
		d.Sync()
		d.Append("y", []byte("cd"))    // not synced: a crash may lose it
		d.WriteFile("z", []byte("zz")) // likewise
		d.Remove("x")
	}})
	runFor(t, w, time.Millisecond)
	if got := w.DiskSize(a); got != 6 {
		t.Errorf("DiskSize = %d, want 6 (y: abcd, z: zz; x removed)", got)
	}
	w.Crash(a)
	w.Restart(a)
	runFor(t, w, time.Millisecond)
	if got := w.DiskSize(a); got != read {
		t.Errorf("DiskSize after a crash = %d; the restarted node reads %d bytes", got, read)
	}
}
