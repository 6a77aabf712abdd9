package live

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/simlab-go/simlab/sim/node"
)

// The wire format of the transport: what crosses a connection, byte by
// byte, and the parsers that read it. Nothing here touches a socket; the
// functions take readers and writers, so the parsers can be fuzzed on
// their own (wire_fuzz_test.go).
//
// The accepting side opens with an 8-byte magic and a 16-byte random
// challenge. The dialer answers with one frame, its hello: its ID, the ID
// it wants, a 16-byte nonce, and with a key an HMAC over all of it and the
// challenge. The acceptor answers with a verdict frame, "ok" or the
// reason it refuses the dialer (no key, another key, an ID not in the
// cluster), so a refused dialer can say why instead of waiting for
// answers. Then every frame is [length u32][MAC, with a key][gob], where
// the MAC is HMAC-SHA256(key, challenge ‖ nonce ‖ direction ‖ sequence ‖
// gob): a frame from another connection, another direction, out of order
// or altered fails it. Each frame holds exactly one message of the
// connection's gob stream. A frame over the limit, a bad MAC or a gob
// stream that does not decode closes the connection; the node goes on.

// wireMagic opens every connection, from the accepting side.
const wireMagic = "SIMLAB2\n"

// challengeBytes is the length of the acceptor's challenge and of the
// dialer's nonce.
const challengeBytes = 16

// openingBytes is the length of what the acceptor sends first.
const openingBytes = len(wireMagic) + challengeBytes

// helloBytes is the length of a hello without its MAC.
const helloBytes = 8 + 8 + challengeBytes

// handshakeFrameBytes bounds the frames of the handshake (the hello and
// the verdict), which come before the peer is trusted.
const handshakeFrameBytes = 1024

// frameChunk is the most a frame's buffer holds before any of its bytes
// arrive (see readFrame).
const frameChunk = 64 << 10

// Directions, as the MAC sees them: the hello, and frames from the
// dialer and from the acceptor.
const (
	dirHello    byte = 'h'
	dirDialer   byte = 'd'
	dirAcceptor byte = 'a'
)

var (
	errFrameTooBig = errors.New("frame too big")
	errFrameEnded  = errors.New("a message runs past the end of its frame")
	errNotSimlab   = errors.New("not a simlab node")
)

// macLen is the length of a frame's MAC under key: none without a key.
func macLen(key []byte) int {
	if len(key) == 0 {
		return 0
	}
	return sha256.Size
}

// newMAC returns an HMAC keyed with key, for one goroutine to reuse across
// frames (frameMAC resets it).
func newMAC(key []byte) hash.Hash { return hmac.New(sha256.New, key) }

// frameMAC computes a frame's MAC with m, into dst.
func frameMAC(m hash.Hash, dst, session []byte, dir byte, seq uint64, payload []byte) []byte {
	m.Reset()
	m.Write(session)
	var hdr [9]byte
	hdr[0] = dir
	binary.BigEndian.PutUint64(hdr[1:], seq)
	m.Write(hdr[:])
	m.Write(payload)
	return m.Sum(dst[:0])
}

// writeFrame writes one frame holding the payloads one after another.
func writeFrame(w io.Writer, payload ...[]byte) error {
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(n))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range payload {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// readFrame reads one frame of at most maxBytes. The length comes from the
// peer, so the buffer is not allocated whole from it: it starts at
// frameChunk at most and doubles as the bytes arrive, so it never holds
// more than twice what came plus frameChunk, whatever the length claimed.
func readFrame(r io.Reader, maxBytes int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(hdr[:]))
	if n > int64(maxBytes) {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", errFrameTooBig, n, maxBytes)
	}
	b := make([]byte, 0, min(n, frameChunk))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(n-int64(len(b)), int64(len(b)))))
		}
		end := min(int64(cap(b)), n)
		k, err := io.ReadFull(r, b[len(b):end])
		b = b[:len(b)+k]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the header came, so the frame is cut short
			}
			return nil, err
		}
	}
	return b, nil
}

// readOpening reads the acceptor's opening, as the dialer does, and
// returns its challenge.
func readOpening(r io.Reader) (challenge []byte, err error) {
	var open [openingBytes]byte
	if _, err := io.ReadFull(r, open[:]); err != nil {
		return nil, err
	}
	if string(open[:len(wireMagic)]) != wireMagic {
		return nil, errNotSimlab
	}
	return append([]byte(nil), open[len(wireMagic):]...), nil
}

// hello is the dialer's first frame: who it is, whom it wants, and its
// half of the connection's session.
type hello struct {
	from, to node.ID
	nonce    []byte
}

// appendTo appends the hello's encoding (without a MAC) to b.
func (h hello) appendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(int64(h.from)))
	b = binary.BigEndian.AppendUint64(b, uint64(int64(h.to)))
	return append(b, h.nonce...)
}

// frame returns the hello frame's payload: the hello and, with a key, its
// MAC under the acceptor's challenge.
func (h hello) frame(key, challenge []byte) []byte {
	b := h.appendTo(nil)
	if macLen(key) > 0 {
		b = append(b, frameMAC(newMAC(key), nil, challenge, dirHello, 0, b)...)
	}
	return b
}

// parseHello reads a hello frame's payload b, checking its MAC under key
// and the challenge. Its errors say what a refused dialer is told.
func parseHello(b, key, challenge []byte) (hello, error) {
	k := macLen(key)
	if len(b) != helloBytes+k {
		if k > 0 {
			return hello{}, errors.New("handshake without a MAC: the peer has no cluster key")
		}
		return hello{}, fmt.Errorf("handshake of %d bytes: the peer uses a cluster key and this node has none", len(b))
	}
	h, mac := b[:helloBytes], b[helloBytes:]
	if k > 0 && !hmac.Equal(mac, frameMAC(newMAC(key), nil, challenge, dirHello, 0, h)) {
		return hello{}, errors.New("handshake MAC does not verify: the peer has another cluster key")
	}
	return hello{
		from:  node.ID(int64(binary.BigEndian.Uint64(h[0:8]))),
		to:    node.ID(int64(binary.BigEndian.Uint64(h[8:16]))),
		nonce: append([]byte(nil), h[16:]...),
	}, nil
}

// verdictOK is the acceptor's verdict on a hello it admits; any other
// verdict is the reason it refuses.
const verdictOK = "ok"

// envelope carries one message; gob needs its concrete type registered
// (Register).
type envelope struct{ Msg any }

// Register registers message types for the wire (gob.Register): every
// type a node sends must be registered, in every process, before the
// first message.
func Register(msgs ...any) {
	for _, m := range msgs {
		gob.Register(m)
	}
}

// frameWriter turns messages into frames for one direction of one
// connection: one gob stream, cut after every message, each frame MAC'd
// with the session, the direction and its sequence number when there is a
// key.
type frameWriter struct {
	buf     bytes.Buffer
	enc     *gob.Encoder
	mac     hash.Hash // nil without a key
	sum     []byte
	session []byte
	dir     byte
	seq     uint64
	max     int // the largest frame, MAC included
}

func newFrameWriter(key, session []byte, dir byte, maxBytes int) *frameWriter {
	fw := &frameWriter{session: session, dir: dir, max: maxBytes}
	fw.enc = gob.NewEncoder(&fw.buf)
	if macLen(key) > 0 {
		fw.mac = newMAC(key)
	}
	return fw
}

// unsendableError is a message the writer could not put in a frame. The
// gob stream may hold part of it (a type definition), so the connection
// must not carry another frame.
type unsendableError struct{ msg string }

func (e *unsendableError) Error() string { return e.msg }

// write encodes msg as the next frame onto w. An *unsendableError means
// the message does not encode or is over the limit; any other error is
// w's.
func (fw *frameWriter) write(w io.Writer, msg any) error {
	fw.buf.Reset()
	if err := fw.enc.Encode(&envelope{Msg: msg}); err != nil {
		return &unsendableError{fmt.Sprintf("does not encode: %v (register its type with live.Register)", err)}
	}
	k := 0
	if fw.mac != nil {
		k = fw.mac.Size()
	}
	if fw.buf.Len() > fw.max-k {
		return &unsendableError{fmt.Sprintf("is %d bytes, over the frame limit; dropped", fw.buf.Len())}
	}
	fw.seq++
	if fw.mac != nil {
		fw.sum = frameMAC(fw.mac, fw.sum, fw.session, fw.dir, fw.seq, fw.buf.Bytes())
	}
	return writeFrame(w, fw.sum, fw.buf.Bytes())
}

// frameSource hands the gob decoder one verified frame at a time: each
// frame holds exactly one Encode's output, so a message that runs past its
// frame, or a frame with bytes left over, is malformed. It is a
// ByteReader, so gob reads no further ahead than it needs.
type frameSource struct {
	cur []byte
}

func (fs *frameSource) Read(p []byte) (int, error) {
	if len(fs.cur) == 0 {
		return 0, errFrameEnded
	}
	n := copy(p, fs.cur)
	fs.cur = fs.cur[n:]
	return n, nil
}

func (fs *frameSource) ReadByte() (byte, error) {
	if len(fs.cur) == 0 {
		return 0, errFrameEnded
	}
	b := fs.cur[0]
	fs.cur = fs.cur[1:]
	return b, nil
}

// malformedError is a frame the peer got wrong: the connection closes and
// counts as rejected.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }

// frameDecoder reads the frames of one direction of one connection and
// decodes their messages: the reader's side of frameWriter.
type frameDecoder struct {
	r       io.Reader
	src     frameSource
	dec     *gob.Decoder
	mac     hash.Hash // nil without a key
	sum     []byte
	session []byte
	dir     byte
	seq     uint64
	max     int
}

func newFrameDecoder(r io.Reader, key, session []byte, dir byte, maxBytes int) *frameDecoder {
	d := &frameDecoder{r: r, session: session, dir: dir, max: maxBytes}
	d.dec = gob.NewDecoder(&d.src)
	if macLen(key) > 0 {
		d.mac = newMAC(key)
	}
	return d
}

// next reads the next frame and returns its message. A *malformedError
// is a frame the peer got wrong (over the limit, a MAC that does not
// verify, a message that does not decode or does not fill its frame); any
// other error is the reader's (the peer went away). After an error the
// decoder must not be used again.
func (d *frameDecoder) next() (any, error) {
	b, err := readFrame(d.r, d.max)
	if err != nil {
		if errors.Is(err, errFrameTooBig) {
			return nil, &malformedError{err.Error()}
		}
		return nil, err
	}
	d.seq++
	if d.mac != nil {
		k := d.mac.Size()
		if len(b) >= k {
			d.sum = frameMAC(d.mac, d.sum, d.session, d.dir, d.seq, b[k:])
		}
		if len(b) < k || !hmac.Equal(b[:k], d.sum) {
			return nil, &malformedError{fmt.Sprintf("frame %d's MAC does not verify", d.seq)}
		}
		b = b[k:]
	}
	d.src.cur = b
	var env envelope
	if err := d.dec.Decode(&env); err != nil {
		return nil, &malformedError{fmt.Sprintf("frame %d does not decode: %v", d.seq, err)}
	}
	if len(d.src.cur) > 0 {
		return nil, &malformedError{fmt.Sprintf("frame %d has %d bytes after its message", d.seq, len(d.src.cur))}
	}
	return env.Msg, nil
}
