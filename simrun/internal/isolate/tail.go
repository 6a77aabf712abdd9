package isolate

import "sync"

// tailBuffer keeps the last max bytes written to it, counting all bytes
// ever written so that a reader can ask for what came since a mark.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int // bytes dropped from the front
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.dropped += over
	}
	return len(p), nil
}

func (t *tailBuffer) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped + len(t.buf)
}

func (t *tailBuffer) since(mark int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	from := max(mark-t.dropped, 0)
	return string(t.buf[from:])
}
