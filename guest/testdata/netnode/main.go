// Command netnode is a fixture of the guest package's tests: a server that
// journals each line it receives on its disk, synced, before it answers,
// and a client that sends lines and reconnects when its connection fails.
// The same program runs natively on loopback.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/simlab-go/simlab/guest/simnet"
)

func main() {
	role := flag.String("role", "server", "server or client")
	addr := flag.String("addr", ":7000", "the server's address (to listen on, or to dial)")
	n := flag.Int("n", 10, "lines the client sends")
	dir := flag.String("dir", "/data", "the server's data directory")
	flag.Parse()
	var err error
	if *role == "server" {
		err = serve(*addr, *dir)
	} else {
		err = send(*addr, *n)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func serve(addr, dir string) error {
	journal := filepath.Join(dir, "journal")
	old, _ := os.ReadFile(journal)
	fmt.Printf("journal has %d entries\n", strings.Count(string(old), "\n"))
	f, err := os.OpenFile(journal, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	entries := strings.Count(string(old), "\n")
	l, err := simnet.Listen(addr)
	if err != nil {
		return err
	}
	type request struct {
		line  string
		reply chan string
	}
	requests := make(chan request)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				fmt.Println("accept:", err)
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					reply := make(chan string)
					requests <- request{line, reply}
					fmt.Fprintf(c, "ok %s", <-reply)
				}
			}()
		}
	}()
	// One goroutine owns the journal: append, sync, then answer.
	for req := range requests {
		if _, err := f.WriteString(req.line); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		entries++
		req.reply <- fmt.Sprintf("%d %s", entries, req.line)
	}
	return nil
}

func send(addr string, n int) error {
	var c net.Conn
	var r *bufio.Reader
	for i := 1; i <= n; {
		if c == nil {
			var err error
			c, err = simnet.DialTimeout(addr, time.Second)
			if err != nil {
				fmt.Println("dial:", err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			r = bufio.NewReader(c)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		_, err := fmt.Fprintf(c, "line %d\n", i)
		var reply string
		if err == nil {
			reply, err = r.ReadString('\n')
		}
		if err != nil {
			fmt.Println("lost:", err)
			c.Close()
			c = nil
			continue
		}
		fmt.Print("reply: ", reply)
		i++
	}
	c.Close()
	fmt.Println("done")
	return nil
}
