package paxos

// The messages peers exchange. Every one carries its sender's Done, so
// that Min advances without messages of its own, and its Max, so that a
// peer that missed instances (a decision lost, a partition) learns that
// they exist and can ask about them, and its Known, the highest instance it
// knows decided, so that a peer behind it knows which of its holes are
// decided somewhere rather than still being proposed.

// Prepare is phase 1a: will you promise not to accept proposals below N?
type Prepare struct {
	Seq, N int
	Done   int
	Max    int
	Known  int
}

// PrepareReply is phase 1b. OK is the promise, with the proposal the
// acceptor accepted last (NA, 0 for none, and VA). Refused, Highest is
// the promise it holds. Decided short-cuts the round: the acceptor knows
// the instance's value. Forgotten: the instance is below the acceptor's
// Min, so the proposer is asking about something every peer was done with.
type PrepareReply struct {
	Seq, N    int
	OK        bool
	NA        int
	VA        []byte
	Highest   int
	Decided   bool
	Forgotten bool
	Done      int
	Max       int
	Known     int
}

// Accept is phase 2a: accept value V under proposal N.
type Accept struct {
	Seq, N int
	V      []byte
	Done   int
	Max    int
	Known  int
}

// AcceptReply is phase 2b.
type AcceptReply struct {
	Seq, N  int
	OK      bool
	Highest int
	Done    int
	Max     int
	Known   int
}

// Decide tells a peer the instance's value.
type Decide struct {
	Seq   int
	V     []byte
	Done  int
	Max   int
	Known int
}

// DoneNotice carries only a Done: a peer that calls Done with nothing to
// say sends it, so that Min can advance on a quiet system.
type DoneNotice struct{ Done, Max, Known int }

func (m Prepare) Size() int      { return 40 }
func (m PrepareReply) Size() int { return 64 + len(m.VA) }
func (m Accept) Size() int       { return 40 + len(m.V) }
func (m AcceptReply) Size() int  { return 56 }
func (m Decide) Size() int       { return 32 + len(m.V) }
func (m DoneNotice) Size() int   { return 24 }

// retryTick is a proposer's timer for an instance: attempt gen of seq.
type retryTick struct{ Seq, Gen int }
