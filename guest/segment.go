package guest

import (
	"fmt"
	"strings"
)

// Segment is one message of a guest's stream connection on a World's
// network: what TCP would put in one packet. The host side of each guest
// node turns a connection's bytes into segments and back, so the
// connection is ordered and reliable over a network that loses,
// duplicates, reorders and delays messages, until it is reset or times
// out, as a TCP user sees it.
//
// Sequence numbers count the bytes of one direction from 0; a FIN takes
// the number after the last byte. A connection is named by the node that
// dialed it and Conn, a number the dialer draws at random.
type Segment struct {
	Conn     uint64
	Dialer   bool // sent by the dialing side (else by the accepting side)
	From, To int  // ports: the sender's and the receiver's
	Flags    SegmentFlags
	Seq      uint64 // the number of Data[0], or of the FIN
	Ack      uint64 // with FlagACK: every number below it arrived
	Data     []byte
}

// SegmentFlags are a segment's control bits.
type SegmentFlags uint8

// The control bits, as TCP's.
const (
	FlagSYN SegmentFlags = 1 << iota
	FlagACK
	FlagFIN
	FlagRST
)

// segmentHeader is what a segment costs on the wire besides its data:
// TCP's and IP's headers.
const segmentHeader = 40

// Size implements node.Sizer.
func (s *Segment) Size() int { return segmentHeader + len(s.Data) }

// String is how a trace shows the segment.
func (s *Segment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tcp %04x :%d→:%d", uint16(s.Conn), s.From, s.To)
	for _, f := range []struct {
		bit  SegmentFlags
		name string
	}{{FlagSYN, "SYN"}, {FlagFIN, "FIN"}, {FlagRST, "RST"}} {
		if s.Flags&f.bit != 0 {
			b.WriteString(" " + f.name)
		}
	}
	if len(s.Data) > 0 {
		fmt.Fprintf(&b, " bytes %d-%d", s.Seq, s.Seq+uint64(len(s.Data)))
	} else if s.Flags&FlagFIN != 0 {
		fmt.Fprintf(&b, " at %d", s.Seq)
	}
	if s.Flags&FlagACK != 0 {
		fmt.Fprintf(&b, " ack %d", s.Ack)
	}
	return b.String()
}
