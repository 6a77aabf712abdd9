package node

import "fmt"

// Damage is a node's diagnosis of durable state it must not trust: a record
// inside what the node knows it synced that fails its checksum, a file
// shorter than that, a file missing that another one says must exist. It is
// not a torn tail (what was written after the last Sync, on which no
// promise depended): code that persists drops a torn tail and goes on, and
// refuses on Damage.
//
// A handler refuses to run over damaged state by calling [Refuse] before it
// writes anything. The runtime then keeps the node down with the diagnosis
// instead of restarting it into a state that may have forgotten a vote or
// an acknowledged write: the simulator reports the refusal in the trace (and
// fails the run if nothing damaged that disk, since then the diagnosis is a
// bug), and a live node stops with a status of its own.
type Damage struct {
	// File is the disk file at fault.
	File string
	// Offset is the byte in File where the damage starts, or -1 when it
	// concerns the file as a whole (missing, or shorter than synced).
	Offset int64
	// Found says what is there and why it cannot be a torn tail, e.g.
	// "a record that fails its checksum, inside the first 250 bytes,
	// which were synced".
	Found string
}

// Error formats the diagnosis: the file, the offset and what was found.
func (d *Damage) Error() string {
	if d.Offset < 0 {
		return fmt.Sprintf("damaged durable state: %s: %s", d.File, d.Found)
	}
	return fmt.Sprintf("damaged durable state: %s at offset %d: %s", d.File, d.Offset, d.Found)
}

// Refuse stops the running handler call with the diagnosis d. The call's
// effects are discarded, and the runtime keeps the node down (see
// [Damage]). Call it only at boot, before writing anything: refusing must
// leave the damaged files exactly as found.
func Refuse(d *Damage) {
	panic(d)
}

// Refusal runs boot (a handler's Start, say) and returns the diagnosis if
// it refused to start (Refuse), or nil; any other panic goes on up. It is
// how a runtime, or a tool that boots a node to inspect it, tells a
// refusal from a crash.
func Refusal(boot func()) (refusal *Damage) {
	defer func() {
		if r := recover(); r != nil {
			d, ok := r.(*Damage)
			if !ok {
				panic(r)
			}
			refusal = d
		}
	}()
	boot()
	return nil
}
