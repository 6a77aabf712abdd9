package kvnode

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/simlab-go/simlab/examples/hashiraft"
	"github.com/simlab-go/simlab/guest/simnet"
)

// ClientConfig configures a run of clients.
type ClientConfig struct {
	Servers []string // the servers' client addresses
	Clients int      // concurrent clients, each with its own id
	FirstID uint64   // the first client's id (ids must be unique in a cluster)
	Ops     int      // operations per client
	Keys    int      // keys k0.. the clients work on
	// Think is the longest pause between two operations of a client.
	Think time.Duration
	// GiveUp is how long a client tries one operation before it gives up
	// on it (its outcome is then unknown).
	GiveUp time.Duration
	// Out receives the history, one line per call and per outcome.
	Out io.Writer
}

// The history's lines, as Client writes them and ParseHistory reads them:
//
//	call <client> <seq> <op> <key> <value>   (key and value quoted)
//	ok <client> <seq> <value>                (the value read or written)
//	lost <client> <seq>                      (given up: may take effect later)

// RunClients runs the clients until each has done its operations.
func RunClients(cfg ClientConfig) {
	var mu sync.Mutex // one line at a time
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(cfg.Out, format+"\n", args...)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func(id uint64) {
			defer wg.Done()
			c := &client{cfg: cfg, id: id, leader: int(id) % len(cfg.Servers)}
			for seq := uint64(1); seq <= uint64(cfg.Ops); seq++ {
				req := Request{Key: "k" + strconv.Itoa(rand.Intn(cfg.Keys)), Client: id, Seq: seq}
				switch rand.Intn(3) {
				case 0:
					req.Op = hashiraft.OpGet
				case 1:
					req.Op, req.Value = hashiraft.OpPut, fmt.Sprintf("c%d.%d;", id, seq)
				default:
					req.Op, req.Value = hashiraft.OpAppend, fmt.Sprintf("c%d.%d;", id, seq)
				}
				say("call %d %d %s %q %q", id, seq, req.Op, req.Key, req.Value)
				if v, ok := c.do(req); ok {
					say("ok %d %d %q", id, seq, v)
				} else {
					say("lost %d %d", id, seq)
				}
				if cfg.Think > 0 {
					time.Sleep(time.Duration(rand.Int63n(int64(cfg.Think))))
				}
			}
			c.close()
		}(cfg.FirstID + uint64(i))
	}
	wg.Wait()
}

// client is one client: its connection to the server it believes leads.
type client struct {
	cfg    ClientConfig
	id     uint64
	leader int // index of the server it tries first
	conn   net.Conn
	in     *bufio.Reader
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends req to the servers in turn, starting with the last that
// answered, until one applies it or GiveUp passes.
func (c *client) do(req Request) (string, bool) {
	line, _ := json.Marshal(req)
	line = append(line, '\n')
	deadline := time.Now().Add(c.cfg.GiveUp)
	for time.Now().Before(deadline) {
		if c.conn == nil {
			conn, err := simnet.DialTimeout(c.cfg.Servers[c.leader], 300*time.Millisecond)
			if err != nil {
				c.next()
				time.Sleep(50 * time.Millisecond)
				continue
			}
			c.conn, c.in = conn, bufio.NewReader(conn)
		}
		c.conn.SetDeadline(time.Now().Add(time.Second))
		var rep Reply
		_, err := c.conn.Write(line)
		if err == nil {
			var b []byte
			if b, err = c.in.ReadBytes('\n'); err == nil {
				err = json.Unmarshal(b, &rep)
			}
		}
		switch {
		case err != nil:
			c.close()
			c.next()
		case rep.Err == "":
			return rep.Value, true
		default: // not the leader, or raft could not commit it in time
			c.close()
			c.next()
			time.Sleep(20 * time.Millisecond)
		}
	}
	return "", false
}

func (c *client) next() { c.leader = (c.leader + 1) % len(c.cfg.Servers) }

// Event is one line of a client's history.
type Event struct {
	Kind   string // "call", "ok" or "lost"
	Client uint64
	Seq    uint64
	Op     hashiraft.Op // of a call
	Key    string       // of a call
	Value  string       // of a call (written) or an ok (read or written)
}

// ParseEvent reads one line of a client's history; ok is false for a line
// that is not one (raft's log, say).
func ParseEvent(line string) (Event, bool) {
	f := strings.SplitN(line, " ", 4)
	if len(f) < 3 {
		return Event{}, false
	}
	e := Event{Kind: f[0]}
	var err1, err2 error
	e.Client, err1 = strconv.ParseUint(f[1], 10, 64)
	e.Seq, err2 = strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Event{}, false
	}
	rest := ""
	if len(f) == 4 {
		rest = f[3]
	}
	switch e.Kind {
	case "call":
		op, args, _ := strings.Cut(rest, " ")
		e.Op = hashiraft.Op(op)
		var err error
		if e.Key, args, err = unquote(args); err != nil {
			return Event{}, false
		}
		if e.Value, _, err = unquote(strings.TrimPrefix(args, " ")); err != nil {
			return Event{}, false
		}
	case "ok":
		var err error
		if e.Value, _, err = unquote(rest); err != nil {
			return Event{}, false
		}
	case "lost":
	default:
		return Event{}, false
	}
	return e, true
}

// unquote reads a quoted string at the start of s.
func unquote(s string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, err
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err
}
