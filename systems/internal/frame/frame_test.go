package frame

import (
	"bytes"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

func TestRecordsReadBackAndATornOneStops(t *testing.T) {
	var b []byte
	for _, p := range []string{"one", "", "three"} {
		b = Append(b, []byte(p))
	}
	whole := len(b)
	b = Append(b, []byte("torn record"))
	for cut := whole; cut < len(b); cut++ {
		var got []string
		rest := b[:cut]
		for {
			p, r, ok := Next(rest)
			if !ok {
				break
			}
			got = append(got, string(p))
			rest = r
		}
		if len(got) != 3 || got[2] != "three" || len(rest) != cut-whole {
			t.Fatalf("cut at %d: read %q, %d bytes left; want the three whole records and the torn rest", cut, got, len(rest))
		}
	}
	flipped := bytes.Clone(b)
	flipped[Header] ^= 1
	if _, _, ok := Next(flipped); ok {
		t.Error("a record with a flipped payload bit passes its checksum")
	}
	if _, _, ok := Next(make([]byte, 64)); ok {
		t.Error("zero bytes read as a record")
	}
}

// TestScanTellsATornTailFromDamage: past the synced length a bad record
// ends the file quietly; inside it, or with the file shorter than it, Scan
// reports damage at the right offset.
func TestScanTellsATornTailFromDamage(t *testing.T) {
	var b []byte
	for _, p := range []string{"alpha", "beta", "gamma"} {
		b = Append(b, []byte(p))
	}
	synced := len(b)
	second := Header + len("alpha")
	withTail := Append(bytes.Clone(b), []byte("unsynced"))
	torn := withTail[:len(withTail)-3]
	flip := func(in []byte, at int) []byte { out := bytes.Clone(in); out[at] ^= 0x20; return out }
	for _, tc := range []struct {
		name       string
		data       []byte
		synced     int
		records    int
		end        int
		damageAt   int64 // -2: no damage
		damageFile bool  // the damage concerns the file as a whole
	}{
		{"whole and synced", b, synced, 3, synced, -2, false},
		{"a whole unsynced record is kept", withTail, synced, 4, len(withTail), -2, false},
		{"a torn unsynced record is dropped", torn, synced, 3, synced, -2, false},
		{"garbage past the synced length is dropped", append(bytes.Clone(b), 0xff, 0, 0, 9, 1, 2, 3, 4, 5), synced, 3, synced, -2, false},
		{"a flipped byte in the middle", flip(b, second+Header+1), synced, 0, 0, int64(second), false},
		{"a flipped byte in the last synced record", flip(b, synced-1), synced, 0, 0, int64(synced - Header - len("gamma")), false},
		{"zeroed", make([]byte, synced), synced, 0, 0, 0, false},
		{"truncated at a record boundary", b[:second], synced, 0, 0, -1, true},
		{"truncated inside a record", b[:synced-2], synced, 0, 0, -1, true},
		{"empty but synced", nil, synced, 0, 0, -1, true},
		{"a sync inside a record", b, synced - 2, 0, 0, int64(synced - Header - len("gamma")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			records, end, damage := Scan("f", tc.data, tc.synced)
			if tc.damageAt == -2 {
				if damage != nil {
					t.Fatalf("damage %v; want none", damage)
				}
				if len(records) != tc.records || end != tc.end {
					t.Fatalf("%d records ending at %d; want %d ending at %d", len(records), end, tc.records, tc.end)
				}
				return
			}
			if damage == nil {
				t.Fatalf("no damage found; read %d records ending at %d", len(records), end)
			}
			if want := tc.damageAt; tc.damageFile && damage.Offset != -1 || !tc.damageFile && damage.Offset != want {
				t.Errorf("damage at offset %d (%v); want %d", damage.Offset, damage, want)
			}
			if damage.File != "f" {
				t.Errorf("damage names %q; want f", damage.File)
			}
		})
	}
}

func TestWholeRefusesAnythingButOneRecord(t *testing.T) {
	rec := Of([]byte("snapshot"))
	if p, d := Whole("s", rec); d != nil || string(p) != "snapshot" {
		t.Fatalf("Whole of one record: %q, %v", p, d)
	}
	for name, b := range map[string][]byte{
		"cut short": rec[:len(rec)-1], "flipped": append(bytes.Clone(rec[:len(rec)-1]), rec[len(rec)-1]^1),
		"trailing bytes": append(bytes.Clone(rec), 0), "empty": nil,
	} {
		if _, d := Whole("s", b); d == nil {
			t.Errorf("%s: Whole found no damage", name)
		}
	}
}

// TestMetaReadsBackOrRefuses: a meta record reads back its fields; another
// magic, another field count or a flipped byte is refused as damage.
func TestMetaReadsBackOrRefuses(t *testing.T) {
	b := Meta("TST1", 7, 1<<40)
	if got := ReadMeta("m", b, "TST1", 2); got[0] != 7 || got[1] != 1<<40 {
		t.Fatalf("ReadMeta = %v; want [7 %d]", got, uint64(1<<40))
	}
	flipped := bytes.Clone(b)
	flipped[len(flipped)-1] ^= 1
	for name, tc := range map[string]struct {
		b      []byte
		magic  string
		fields int
	}{
		"another magic": {b, "TST2", 2}, "another field count": {b, "TST1", 3}, "a flipped byte": {flipped, "TST1", 2},
	} {
		refusal := func() (d *node.Damage) {
			defer func() { d, _ = recover().(*node.Damage) }()
			ReadMeta("m", tc.b, tc.magic, tc.fields)
			return nil
		}()
		if refusal == nil || refusal.File != "m" {
			t.Errorf("%s: refusal %v; want one naming m", name, refusal)
		}
	}
}

// TestLedgerReadVouchesForTheLastWholeEntry: a sync ledger vouches for its
// last whole entry's length (0 when empty or missing); a bad or partial
// last entry is an append that never completed, tolerated as torn with
// the entry before it holding; a bad entry with a whole one after it, and
// a length smaller than the one before, are damage at that entry.
func TestLedgerReadVouchesForTheLastWholeEntry(t *testing.T) {
	ledger := func(lengths ...int) []byte {
		d := node.MemDisk{}
		d.WriteFile("l", nil)
		for _, n := range lengths {
			LedgerAppend(d, "l", n)
		}
		b, _ := d.ReadFile("l")
		return b
	}
	// flip flips a checksum bit of entry i of b.
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i*LedgerEntry+LedgerEntry-1] ^= 1
		return b
	}
	three := ledger(100, 250, 400)
	for _, tc := range []struct {
		name     string
		ledger   []byte
		synced   int
		torn     bool
		damageAt int64 // -1: no damage
	}{
		{"missing", nil, 0, false, -1},
		{"empty", ledger(), 0, false, -1},
		{"one entry", ledger(100), 100, false, -1},
		{"the last of several entries", three, 400, false, -1},
		{"a length repeated", ledger(100, 250, 250), 250, false, -1},
		{"a length of zero", ledger(0), 0, false, -1},
		{"a partial last entry", three[:len(three)-5], 250, true, -1},
		{"a partial only entry", three[:LedgerEntry-1], 0, true, -1},
		{"a bad last entry", flip(three, 2), 250, true, -1},
		{"a bad last entry then a partial one", append(flip(three, 2), 1, 2, 3), 250, true, -1},
		{"a bad only entry", flip(ledger(100), 0), 0, true, -1},
		{"zeroed", make([]byte, len(three)), 0, true, -1},
		{"a bad entry with a whole one after it", flip(three, 1), 0, false, LedgerEntry},
		{"two bad entries with a whole one after them", flip(flip(three, 0), 1), 0, false, 0},
		{"a length that shrinks", ledger(100, 250, 200), 0, false, 2 * LedgerEntry},
		{"a length that shrinks to zero", ledger(100, 0), 0, false, LedgerEntry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synced, torn, damage := LedgerRead("l", tc.ledger)
			if tc.damageAt >= 0 {
				if damage == nil || damage.File != "l" || damage.Offset != tc.damageAt {
					t.Fatalf("damage %v (synced %d, torn %v); want damage to l at offset %d", damage, synced, torn, tc.damageAt)
				}
				return
			}
			if damage != nil {
				t.Fatalf("damage %v; want none", damage)
			}
			if synced != tc.synced || torn != tc.torn {
				t.Errorf("synced %d, torn %v; want %d, %v", synced, torn, tc.synced, tc.torn)
			}
		})
	}
}
