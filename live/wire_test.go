package live

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"io"
	"reflect"
	"runtime"
	"testing"
)

// goldenMsg is the message of the golden streams below, registered under
// a name of its own so that the streams do not depend on the package path.
type goldenMsg struct {
	N    int
	Body string
	Data []byte
}

func init() { gob.RegisterName("golden", goldenMsg{}) }

// Bytes written by the transport as it was before wire.go and conn.go were
// split out of it: a hello from node 3 to node 1 under the key "golden
// key", the challenge 16×0xc1 and the nonce 16×0x0e, then two messages
// from the dialer over that session, without a key and with it.
const (
	goldenHello       = "00000040000000000000000300000000000000010e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0ea3fb071b08767316debb8d69c3b5909b56e4fcdd2ca7d56edcf7c330fca92172"
	goldenFrames      = "000000651d7f03010108656e76656c6f706501ff8000010101034d7367011000000039ff800106676f6c64656eff8103010109676f6c64656e4d736701ff8200010301014e0104000104426f6479010c00010444617461010a0000000cff8208010201036f6e6500000000001b1aff800106676f6c64656eff820c0104010374776f010209090000"
	goldenFramesKeyed = "000000857c8a72a6ffead1c94623c73027e39e290cbb1bc61c586bc59d0eab0d924b57d71d7f03010108656e76656c6f706501ff8000010101034d7367011000000039ff800106676f6c64656eff8103010109676f6c64656e4d736701ff8200010301014e0104000104426f6479010c00010444617461010a0000000cff8208010201036f6e6500000000003b918683e9650dda3174216918285dd30919be4038cc0a69b47e95d421361889781aff800106676f6c64656eff820c0104010374776f010209090000"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The wire did not change when the transport was split into files: the
// hello is byte for byte what it was, and frames written before are read
// now, MACs included.
func TestWireFormatIsUnchanged(t *testing.T) {
	key := []byte("golden key")
	challenge := bytes.Repeat([]byte{0xc1}, 16)
	h := hello{from: 3, to: 1, nonce: bytes.Repeat([]byte{0x0e}, 16)}
	var b bytes.Buffer
	writeFrame(&b, h.frame(key, challenge))
	if got := hex.EncodeToString(b.Bytes()); got != goldenHello {
		t.Fatalf("hello frame\n got %s\nwant %s", got, goldenHello)
	}
	frame, err := readFrame(&b, handshakeFrameBytes)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parseHello(frame, key, challenge)
	if err != nil || !reflect.DeepEqual(parsed, h) {
		t.Fatalf("parseHello = %+v, %v; want %+v", parsed, err, h)
	}

	session := append(append([]byte{}, challenge...), h.nonce...)
	want := []any{goldenMsg{1, "one", nil}, goldenMsg{2, "two", []byte{9, 9}}}
	for _, tt := range []struct {
		key    []byte
		stream string
	}{{nil, goldenFrames}, {key, goldenFramesKeyed}} {
		d := newFrameDecoder(bytes.NewReader(unhex(t, tt.stream)), tt.key, session, dirDialer, 1<<20)
		for i, w := range want {
			got, err := d.next()
			if err != nil || !reflect.DeepEqual(got, w) {
				t.Fatalf("key %q, message %d: %+v, %v; want %+v", tt.key, i+1, got, err, w)
			}
		}
		// What the writer makes now reads back the same way.
		var out bytes.Buffer
		fw := newFrameWriter(tt.key, session, dirDialer, 1<<20)
		for _, w := range want {
			if err := fw.write(&out, w); err != nil {
				t.Fatal(err)
			}
		}
		if out.Len() != len(tt.stream)/2 {
			t.Errorf("key %q: the writer's stream is %d bytes, the golden one %d", tt.key, out.Len(), len(tt.stream)/2)
		}
		d = newFrameDecoder(&out, tt.key, session, dirDialer, 1<<20)
		for i, w := range want {
			if got, err := d.next(); err != nil || !reflect.DeepEqual(got, w) {
				t.Fatalf("key %q, message %d written now: %+v, %v; want %+v", tt.key, i+1, got, err, w)
			}
		}
	}
}

// A frame header claiming far more than arrives costs the bytes that
// arrive, not the bytes claimed.
func TestAHostileFrameLengthAllocatesLittle(t *testing.T) {
	stream := []byte{0x03, 0xff, 0xff, 0xff, 1, 2, 3} // 64 MiB claimed, 3 bytes sent
	var err error
	got := allocatedBy(func() { _, err = readFrame(bytes.NewReader(stream), 64<<20) })
	if err != io.ErrUnexpectedEOF {
		t.Errorf("a frame cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	if got > 2*frameChunk {
		t.Errorf("reading a frame cut after 3 bytes of a claimed 64 MiB allocated %d bytes", got)
	}
}

// allocatedBy is how many bytes f allocates on the heap.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
