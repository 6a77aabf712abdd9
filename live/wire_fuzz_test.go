package live

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

// The parsers that face the network, fuzzed: what an acceptor reads from a
// dialer before it trusts it (the hello), what a dialer reads from an
// acceptor (the opening and the verdict), and the frames of an
// established connection. Each must refuse what is malformed without
// panicking, must not allocate from a length a peer claims (only from
// the bytes a peer sends), and must give back exactly what it accepted
// when that is written again.
//
//	go test -run '^$' -fuzz FuzzFrames -fuzztime 60s ./live/
//	go test -run '^$' -fuzz FuzzHandshake -fuzztime 60s ./live/
//
// The message types are shaped like the systems' (integers, strings,
// bytes, slices of structs, a pointer, an interface holding another
// registered type). None holds a map: gob sizes a map from the count the
// stream claims (golang/go#79539, to be fixed in Go itself), which is why
// the systems' messages carry slices instead.

type fuzzEntry struct {
	Term uint64
	Cmd  []byte
	Tags []string
}

type fuzzInner struct {
	Leader  int
	Ratio   float64
	Entries []fuzzEntry
}

type fuzzMsg struct {
	Term, Index int
	From        int64
	Name        string
	Data        []byte
	Flags       [4]bool
	Inner       *fuzzInner
	Entries     []fuzzEntry
	Any         any
}

func init() { Register(fuzzMsg{}, fuzzInner{}, fuzzEntry{}) }

// fuzzKey and fuzzSession are the key and session of keyed fuzz inputs.
var (
	fuzzKey     = []byte("fuzz key")
	fuzzSession = bytes.Repeat([]byte{0x5e}, 2*challengeBytes)
)

// fuzzFrameLimit is the production limit on a frame: a hostile length up
// to it must cost nothing until its bytes arrive.
const fuzzFrameLimit = 64 << 20

// gobPreallocation is the most gob allocates ahead of the bytes for a
// slice whose length the stream claims (internal/saferio's chunk): more
// than that, a claimed length must be backed by elements that arrive.
const gobPreallocation = 10 << 20

// allocationBound is what parsing n bytes may allocate: a constant for
// buffers and gob's compiled decoders, gob's one capped preallocation
// (after which a short stream fails and the connection closes), and a
// multiple of n, since one byte may stand for a slice element several
// words wide. No term grows with a length the input claims.
func allocationBound(n int) uint64 { return 1<<20 + gobPreallocation + 256*uint64(n) }

// fuzzStream writes msgs as one connection's frames.
func fuzzStream(t testing.TB, key []byte, msgs ...any) []byte {
	var b bytes.Buffer
	fw := newFrameWriter(key, fuzzSession, dirDialer, fuzzFrameLimit)
	for _, m := range msgs {
		if err := fw.write(&b, m); err != nil {
			t.Fatalf("writing %+v: %v", m, err)
		}
	}
	return b.Bytes()
}

// decodeAll decodes a stream's frames until the first error.
func decodeAll(data, key []byte) (msgs []any, err error) {
	d := newFrameDecoder(bytes.NewReader(data), key, fuzzSession, dirDialer, fuzzFrameLimit)
	for {
		m, err := d.next()
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

func FuzzFrames(f *testing.F) {
	msgs := []any{
		fuzzMsg{Term: 3, Index: 7, From: -1, Name: "s1", Data: []byte("put k v"), Flags: [4]bool{true},
			Inner:   &fuzzInner{Leader: 2, Ratio: 0.5, Entries: []fuzzEntry{{Term: 1, Cmd: []byte{1}}}},
			Entries: []fuzzEntry{{Term: 2, Cmd: []byte("x"), Tags: []string{"a", ""}}, {}},
			Any:     fuzzEntry{Term: 9}},
		fuzzMsg{},
		fuzzInner{Entries: make([]fuzzEntry, 40)},
		ping{N: 1, Body: "hello"},
	}
	for _, keyed := range []bool{false, true} {
		var key []byte
		if keyed {
			key = fuzzKey
		}
		whole := fuzzStream(f, key, msgs...)
		f.Add(whole, keyed)
		f.Add(whole[:len(whole)/2], keyed) // cut inside a frame
		f.Add(whole[:3], keyed)            // cut inside a header
		one := fuzzStream(f, key, msgs[0])
		f.Add(append(one, 0xff, 0x00, 0x13), keyed)           // garbage after a good frame
		f.Add(append(one[:len(one):len(one)], one...), keyed) // the same frame again: a replayed sequence number
		var extra bytes.Buffer
		writeFrame(&extra, one[4:], []byte{0}) // a byte after the message, inside its frame
		f.Add(extra.Bytes(), keyed)
	}
	huge := func(n uint32, tail ...byte) []byte { return append(binary.BigEndian.AppendUint32(nil, n), tail...) }
	f.Add(huge(0xffffffff), false)                         // over the limit
	f.Add(huge(fuzzFrameLimit, 1, 2, 3), false)            // at the limit, three bytes sent
	f.Add(huge(fuzzFrameLimit-1, 0x1d, 0x7f, 0x03), false) // the start of a gob stream, then nothing
	f.Add(huge(60<<20), true)
	f.Add([]byte{}, false)
	f.Add([]byte("SIMLAB2\ngarbage that is no frame at all"), false)
	f.Add(huge(7, 0x06, 0xff, 0x80, 0x01, 0x01, 0x01, 0x00), false) // a gob count larger than the frame
	f.Fuzz(func(t *testing.T, data []byte, keyed bool) {
		var key []byte
		if keyed {
			key = fuzzKey
		}
		var got []any
		var err error
		if n := allocatedBy(func() { got, err = decodeAll(data, key) }); n > allocationBound(len(data)) {
			t.Fatalf("decoding %d bytes allocated %d", len(data), n)
		}
		var malformed *malformedError
		if !errors.As(err, &malformed) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("decoding ended with %T %v: neither a malformed frame nor the end of the input", err, err)
		}

		// The frames themselves: written again, each is the bytes it was
		// read from.
		r := bytes.NewReader(data)
		var again bytes.Buffer
		for {
			frame, err := readFrame(r, fuzzFrameLimit)
			if err != nil {
				break
			}
			writeFrame(&again, frame)
			if read := len(data) - r.Len(); !bytes.Equal(again.Bytes(), data[:read]) {
				t.Fatalf("frames written again differ from the %d bytes they were read from", read)
			}
		}

		// The messages: what was accepted, written again, reads back as
		// the same messages (compared by their encoding, which stands for
		// their values: a decoded NaN is not equal to itself).
		if len(got) == 0 {
			return
		}
		var encoded bytes.Buffer
		fw := newFrameWriter(key, fuzzSession, dirDialer, fuzzFrameLimit)
		for _, m := range got {
			if err := fw.write(&encoded, m); err != nil {
				t.Fatalf("an accepted message %+v does not write again: %v", m, err)
			}
		}
		back, err := decodeAll(encoded.Bytes(), key)
		if len(back) != len(got) || !errors.Is(err, io.EOF) {
			t.Fatalf("%d messages written again read back as %d, then %v", len(got), len(back), err)
		}
		if twice := fuzzStream(t, key, back...); !bytes.Equal(twice, encoded.Bytes()) {
			t.Fatalf("messages read back from their own writing differ from it:\n%+v\n%+v", got, back)
		}
	})
}

func FuzzHandshake(f *testing.F) {
	challenge := bytes.Repeat([]byte{0xc1}, challengeBytes)
	nonce := bytes.Repeat([]byte{0x0e}, challengeBytes)
	frame := func(payload ...[]byte) []byte {
		var b bytes.Buffer
		writeFrame(&b, payload...)
		return b.Bytes()
	}
	opening := append([]byte(wireMagic), challenge...)
	for _, keyed := range []bool{false, true} {
		var key []byte
		if keyed {
			key = fuzzKey
		}
		good := frame(hello{from: 2, to: 1, nonce: nonce}.frame(key, challenge))
		f.Add(good, keyed)
		f.Add(good[:len(good)-1], keyed)
		f.Add(frame(hello{from: 1, to: 1, nonce: nonce}.frame(key, challenge)), keyed)             // claims to be the acceptor
		f.Add(frame(hello{from: 2, to: 4, nonce: nonce}.frame(key, challenge)), keyed)             // wants another node
		f.Add(frame(hello{from: -9, to: 1, nonce: nonce}.frame(key, challenge)), keyed)            // an ID nobody has
		f.Add(frame(hello{from: 2, to: 1, nonce: nonce}.frame([]byte("other"), challenge)), keyed) // another key
	}
	f.Add(append(bytes.Clone(opening), frame([]byte(verdictOK))...), false)
	f.Add(append(bytes.Clone(opening), frame([]byte("refused by s1: the peer has no cluster key"))...), false)
	f.Add(opening[:10], false)
	f.Add([]byte("SIMLAB1\n0123456789abcdef"), false)
	f.Add(binary.BigEndian.AppendUint32(nil, 0xffffffff), false)
	f.Add(binary.BigEndian.AppendUint32(nil, handshakeFrameBytes), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, keyed bool) {
		var key []byte
		if keyed {
			key = fuzzKey
		}
		accept := func(id node.ID) bool { return id >= 0 && id < 5 || id >= 1<<32 }
		tr := &Transport{cfg: TransportConfig{Self: 1, Name: "s1", Key: key, Accept: accept}}
		n := allocatedBy(func() {
			// The acceptor's side: a hello frame from a dialer.
			b, err := readFrame(bytes.NewReader(data), handshakeFrameBytes)
			if err != nil {
				return
			}
			h, err := tr.admit(b, challenge)
			if err != nil {
				return
			}
			if h.to != 1 || h.from == 1 || !accept(h.from) || len(h.nonce) != challengeBytes {
				t.Fatalf("admitted %+v", h)
			}
			if again := h.frame(key, challenge); !bytes.Equal(again, b) {
				t.Fatalf("hello %+v written again is %x, read from %x", h, again, b)
			}
		})
		n += allocatedBy(func() {
			// The dialer's side: the acceptor's opening, then its verdict.
			r := bytes.NewReader(data)
			ch, err := readOpening(r)
			if err != nil {
				return
			}
			if !bytes.Equal(append([]byte(wireMagic), ch...), data[:openingBytes]) {
				t.Fatalf("opening %x read as the challenge %x", data[:openingBytes], ch)
			}
			if v, err := readFrame(r, handshakeFrameBytes); err == nil && len(v) > handshakeFrameBytes {
				t.Fatalf("a verdict of %d bytes", len(v))
			}
		})
		if n > allocationBound(len(data)) {
			t.Fatalf("parsing a handshake of %d bytes allocated %d", len(data), n)
		}
	})
}
