package checker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func op(client int, in KVInput, out any, call, ret int) Op {
	o := Op{Client: client, Input: in, Output: out, Call: ms(call), Return: ms(ret), Done: out != nil || ret >= 0}
	if ret < 0 {
		o.Done, o.Output = false, nil
	}
	return o
}

func get(k string) KVInput         { return KVInput{Op: Get, Key: k} }
func put(k, v string) KVInput      { return KVInput{Op: Put, Key: k, Value: v} }
func appendOp(k, v string) KVInput { return KVInput{Op: Append, Key: k, Value: v} }
func got(v string) KVOutput        { return KVOutput{Value: v} }
func vput(k, v string, ver uint64) KVInput {
	return KVInput{Op: Put, Key: k, Value: v, Version: ver}
}

func TestKVModel(t *testing.T) {
	ok := KVOutput{}
	tests := []struct {
		name string
		ops  []Op
		want Outcome
	}{
		{"empty", nil, Linearizable},
		{"put then get", []Op{op(0, put("x", "1"), ok, 0, 10), op(1, get("x"), got("1"), 20, 30)}, Linearizable},
		{"concurrent get may see either", []Op{op(0, put("x", "1"), ok, 0, 10), op(1, get("x"), got(""), 5, 30)}, Linearizable},
		{"stale read", []Op{op(0, put("x", "1"), ok, 0, 10), op(0, put("x", "2"), ok, 20, 30), op(1, get("x"), got("1"), 40, 50)}, NotLinearizable},
		{"lost write", []Op{op(0, put("x", "1"), ok, 0, 10), op(1, get("x"), got(""), 20, 30)}, NotLinearizable},
		{"duplicated append", []Op{op(0, appendOp("x", "a"), ok, 0, 10), op(1, appendOp("x", "b"), ok, 20, 30), op(2, get("x"), got("aab"), 40, 50)}, NotLinearizable},
		{"appends in a consistent order", []Op{op(0, appendOp("x", "a"), ok, 0, 30), op(1, appendOp("x", "b"), ok, 0, 30), op(2, get("x"), got("ba"), 40, 50)}, Linearizable},
		{"an unknown append may have applied", []Op{op(0, appendOp("x", "a"), nil, 0, -1), op(1, get("x"), got("a"), 40, 50)}, Linearizable},
		{"an unknown append may not have applied", []Op{op(0, appendOp("x", "a"), nil, 0, -1), op(1, get("x"), got(""), 40, 50)}, Linearizable},
		{"an unknown append applies once at most", []Op{op(0, appendOp("x", "a"), nil, 0, -1), op(1, get("x"), got("aa"), 40, 50)}, NotLinearizable},
		{"keys are independent", []Op{op(0, put("x", "1"), ok, 0, 10), op(1, get("y"), got(""), 20, 30)}, Linearizable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckLinearizable(KVModel, tt.ops, 0).Outcome; got != tt.want {
				t.Errorf("outcome %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionedKVModel(t *testing.T) {
	okv := func(v string, ver uint64) KVOutput { return KVOutput{Value: v, Version: ver} }
	e := func(err string) KVOutput { return KVOutput{Err: err} }
	tests := []struct {
		name string
		ops  []Op
		want Outcome
	}{
		{"create then read", []Op{op(0, vput("k", "a", 0), e(""), 0, 10), op(1, get("k"), okv("a", 1), 20, 30)}, Linearizable},
		{"get of a missing key", []Op{op(1, get("k"), e(ErrNoKey), 0, 10)}, Linearizable},
		{"wrong version rejected", []Op{op(0, vput("k", "a", 0), e(""), 0, 10), op(1, vput("k", "b", 0), e(ErrVersion), 20, 30), op(1, get("k"), okv("a", 1), 40, 50)}, Linearizable},
		{"two puts at one version cannot both succeed", []Op{op(0, vput("k", "a", 0), e(""), 0, 10), op(1, vput("k", "b", 0), e(""), 20, 30)}, NotLinearizable},
		{"ErrMaybe that applied", []Op{op(0, vput("k", "a", 0), e(ErrMaybe), 0, 10), op(1, get("k"), okv("a", 1), 20, 30)}, Linearizable},
		{"ErrMaybe that did not apply", []Op{op(0, vput("k", "a", 0), e(ErrMaybe), 0, 10), op(1, get("k"), e(ErrNoKey), 20, 30)}, Linearizable},
		{"a lost reply may or may not have applied", []Op{op(0, vput("k", "a", 0), nil, 0, -1), op(1, vput("k", "b", 0), e(""), 20, 30), op(2, get("k"), okv("b", 1), 40, 50)}, Linearizable},
		{"stale version read", []Op{op(0, vput("k", "a", 0), e(""), 0, 10), op(0, vput("k", "b", 1), e(""), 20, 30), op(1, get("k"), okv("a", 1), 40, 50)}, NotLinearizable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckLinearizable(VersionedKVModel, tt.ops, 0).Outcome; got != tt.want {
				t.Errorf("outcome %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRecorder(t *testing.T) {
	now := time.Duration(0)
	r := NewRecorder(func() time.Duration { return now })
	a := r.Call(0, put("x", "1"))
	now = ms(5)
	b := r.Call(1, get("x"))
	now = ms(10)
	r.Return(a, KVOutput{})
	ops := r.Ops()
	if len(ops) != 2 || !ops[a].Done || ops[a].Return != ms(10) || ops[b].Done || ops[b].Call != ms(5) {
		t.Fatalf("ops %+v", ops)
	}
	if got := CheckLinearizable(KVModel, ops, 0).Outcome; got != Linearizable {
		t.Errorf("a history with a pending get: %q", got)
	}
}

func TestUnknownWhenTheSearchRunsOutOfTime(t *testing.T) {
	// Many concurrent appends to one key and a read that no order can
	// produce: the search explores orders until the deadline.
	var ops []Op
	for i := 0; i < 40; i++ {
		ops = append(ops, op(i, appendOp("x", string(rune('a'+i%26))), KVOutput{}, 0, 1000))
	}
	ops = append(ops, op(99, get("x"), got("impossible"), 2000, 2001))
	if got := CheckLinearizable(KVModel, ops, time.Millisecond).Outcome; got != Unknown {
		t.Errorf("outcome %q with a 1 ms limit, want %q", got, Unknown)
	}
}

func TestWriteHTML(t *testing.T) {
	ops := []Op{op(0, put("x", "1"), KVOutput{}, 0, 10), op(1, get("x"), got(""), 20, 30)}
	res := CheckLinearizable(KVModel, ops, 0)
	path := filepath.Join(t.TempDir(), "viz", "h.html")
	if err := res.WriteHTML(path, []Annotation{{Start: ms(15), Tag: "faults", Description: "crash s1"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "crash s1") || !strings.Contains(string(b), "<html") {
		t.Errorf("visualization %d bytes, err %v; want HTML naming the annotation", len(b), err)
	}
}

// TestExplainNamesTheKeyAndTheOperations: a stale read on one key among
// several is reported with its key and the read that cannot linearize.
func TestExplainNamesTheKeyAndTheOperations(t *testing.T) {
	ok := KVOutput{}
	ops := []Op{
		op(0, put("a", "1"), ok, 0, 10), op(1, get("a"), got("1"), 20, 30),
		op(0, put("x", "1"), ok, 0, 10), op(0, put("x", "2"), ok, 20, 30), op(1, get("x"), got("1"), 40, 50),
	}
	r := CheckLinearizable(KVModel, ops, 0)
	e := r.Explain()
	for _, want := range []string{`key "x"`, "of its 3 operations", "the first that cannot: client 1 get", "[40ms, 50ms]", "the last that does before it: client 0 put"} {
		if !strings.Contains(e, want) {
			t.Errorf("Explain() = %q; want it to contain %q", e, want)
		}
	}
	if e := CheckLinearizable(KVModel, ops[:2], 0).Explain(); e != "" {
		t.Errorf("Explain() of a linearizable history = %q; want empty", e)
	}
}
