package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/simlab-go/simlab/checker"
	"github.com/simlab-go/simlab/live"
)

const nodeUsage = `usage:
  simlab-node -cluster FILE -node NAME [-data DIR] [-admin ADDR]   run one server of a cluster
  simlab-node state -cluster FILE -data DIR                        print what a server has on disk
  simlab-node example [-system kv|shardkv] [-n 3] [-port 7100]     print a cluster file for loopback
  simlab-node keygen                                               print a new cluster key

A server keeps its state in -data (default data/NAME) and restarts from it.
-admin (loopback only) serves GET /status and POST /faults?cut=s1,s2 | heal= | loss=P.
SIGINT or SIGTERM stops it; SIGKILL is a crash, which it recovers from.
`

// usageError is bad input: exit status 2.
type usageError struct{ error }

// NodeMain is cmd/simlab-node: it runs one server, or one of the
// commands above, and returns the exit status: 0 stopped by a signal or
// done, 1 an error, 2 bad usage, 3 the node stopped itself (it panicked
// at every boot), 4 the node refuses to start because its durable state is
// damaged (the state command exits 4 over such a directory too).
func NodeMain(args []string, stdout, stderr io.Writer) int {
	err := nodeMain(args, stdout, stderr)
	var ue usageError
	var stopped stoppedError
	var damaged *live.DamageError
	switch {
	case errors.As(err, &damaged):
		fmt.Fprintf(stderr, "simlab-node: %v\n%s", err, damageAdvice)
		return 4
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, nodeUsage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "simlab-node: %v\n\n%s", err, nodeUsage)
		return 2
	case errors.As(err, &stopped):
		fmt.Fprintf(stderr, "simlab-node: %v\n", err)
		return 3
	}
	fmt.Fprintf(stderr, "simlab-node: %v\n", err)
	return 1
}

type stoppedError struct{ error }

// damageAdvice follows a refusal to start over damaged state.
const damageAdvice = `The node keeps its term, its vote and its log on disk so that it never takes
back what it told the cluster; with that state damaged it must not rejoin as if
nothing happened. Nothing was changed: keep the directory for inspection
(simlab-node state shows the same diagnosis). Then restore the directory from a
backup taken while the node was stopped, or leave the node down: the other
servers keep serving while a majority of the cluster is up. Do not start it over
an empty directory under the same name: it would vote again in terms it already
voted in, and forget entries whose commitment it was counted for. See "A damaged
node" in docs/live.md.
`

func nodeMain(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "keygen":
			k := make([]byte, 32)
			rand.Read(k)
			fmt.Fprintln(stdout, hex.EncodeToString(k))
			return nil
		case "example":
			fs := flag.NewFlagSet("example", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			n := fs.Int("n", 3, "servers (per group, for shardkv)")
			system := fs.String("system", "kv", "kv or shardkv")
			port := fs.Int("port", 7100, "first port")
			if err := fs.Parse(args[1:]); err != nil {
				return usageError{err}
			}
			if *n < 1 || *port < 1 || *port+3**n > 65535 {
				return usageError{fmt.Errorf("-n %d -port %d: want at least one server on ports below 65536", *n, *port)}
			}
			if !slices.Contains(Systems, *system) {
				return usageError{fmt.Errorf("-system %q is not one of %q", *system, Systems)}
			}
			stdout.Write(Example(*system, *n, *port))
			return nil
		case "state":
			fs := flag.NewFlagSet("state", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			clusterFile := fs.String("cluster", "", "cluster file")
			dir := fs.String("data", "", "data directory")
			if err := fs.Parse(args[1:]); err != nil {
				return usageError{err}
			}
			if *clusterFile == "" || *dir == "" {
				return usageError{errors.New("state needs -cluster FILE and -data DIR")}
			}
			cfg, err := LoadConfig(*clusterFile)
			if err != nil {
				return usageError{err}
			}
			return PrintState(stdout, cfg, *dir)
		}
	}
	fs := flag.NewFlagSet("simlab-node", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clusterFile := fs.String("cluster", "", "cluster file")
	name := fs.String("node", "", "this server's name in the cluster file")
	dir := fs.String("data", "", "data directory (default data/NAME)")
	admin := fs.String("admin", "", "loopback address of the admin endpoint")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected %q", fs.Args())}
	}
	if *clusterFile == "" || *name == "" {
		return usageError{errors.New("a server needs -cluster FILE and -node NAME")}
	}
	cfg, err := LoadConfig(*clusterFile)
	if err != nil {
		return usageError{err}
	}
	if _, err := cfg.ID(*name); err != nil {
		return usageError{err}
	}
	if *admin != "" && !live.IsLoopback(*admin) {
		return usageError{fmt.Errorf("-admin %s: the admin endpoint takes faults and has no authentication, so it must be on loopback (127.0.0.1:PORT)", *admin)}
	}
	if *dir == "" {
		*dir = filepath.Join("data", *name)
	}
	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	s, err := StartServer(cfg, *name, ServerOptions{Dir: *dir, Admin: *admin, Log: logger})
	if err != nil {
		return err
	}
	logger.Printf("%s: serving %s on %s, state in %s", *name, cfg.System, s.Transport.Addr(), *dir)
	if a := s.AdminAddr(); a != nil {
		logger.Printf("%s: admin endpoint on http://%s", *name, a)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case got := <-sig:
		logger.Printf("%s: %v: stopping", *name, got)
		s.Stop()
		return nil
	case <-s.Node.Done():
		err := s.Node.Err()
		s.Stop()
		var damaged *live.DamageError
		if errors.As(err, &damaged) {
			return damaged
		}
		return stoppedError{err}
	}
}

const kvUsage = `usage:
  simlab-kv -cluster FILE [-timeout D] get KEY
  simlab-kv -cluster FILE [-timeout D] put KEY VALUE
  simlab-kv -cluster FILE [-timeout D] append KEY VALUE
  simlab-kv -cluster FILE bench [-clients N] [-keys K] [-duration D] [-gets F] [-check]
  simlab-kv -cluster FILE join                      (shardkv) add the file's groups to the controller

get prints the value; put prints it, append the value after it (kv) or ok (shardkv).
bench runs clients for a while and prints operations per second and latency
percentiles; -check checks the history for linearizability.
`

// KVMain is cmd/simlab-kv: a client of a live kv cluster. Exit status: 0
// done, 1 no answer in time (the operation may or may not have happened)
// or a history that does not linearize, 2 bad usage, 130 a bench
// interrupted by SIGINT or SIGTERM (after printing what finished).
func KVMain(args []string, stdout, stderr io.Writer) int {
	err := kvMain(args, stdout, stderr)
	var ue usageError
	var intr interruptedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &intr):
		return 130
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, kvUsage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "simlab-kv: %v\n\n%s", err, kvUsage)
		return 2
	}
	fmt.Fprintf(stderr, "simlab-kv: %v\n", err)
	return 1
}

func kvMain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simlab-kv", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clusterFile := fs.String("cluster", "", "cluster file")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for an answer")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *clusterFile == "" {
		return usageError{errors.New("-cluster FILE is required")}
	}
	if *timeout <= 0 || *timeout > time.Hour {
		return usageError{fmt.Errorf("-timeout %v: want a positive duration of at most 1h, such as 10s", *timeout)}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError{errors.New("say what to do: get, put, append or bench")}
	}
	cfg, err := LoadConfig(*clusterFile)
	if err != nil {
		return usageError{err}
	}
	quiet := log.New(io.Discard, "", 0)
	op, rest := rest[0], rest[1:]
	want := map[string]int{"get": 1, "put": 2, "append": 2}
	if op == "bench" {
		return bench(cfg, rest, stdout, stderr)
	}
	if op == "join" {
		if len(rest) != 0 {
			return usageError{errors.New("join takes no arguments: it joins every group of the cluster file")}
		}
		if cfg.System != "shardkv" {
			return usageError{fmt.Errorf("join is for a shardkv cluster; this one runs %s", cfg.System)}
		}
		cl, err := NewClient(cfg, ClientOptions{Log: quiet})
		if err != nil {
			return err
		}
		defer cl.Close()
		latest, added, err := cl.Join(*timeout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "joined groups %v; configuration %d: shards of %v are %v\n", added, latest.Num, latest.GIDs(), latest.Shards)
		return nil
	}
	n, ok := want[op]
	if !ok {
		return usageError{fmt.Errorf("%q is not get, put, append, bench or join", op)}
	}
	if len(rest) != n {
		return usageError{fmt.Errorf("%s takes %d arguments, got %d", op, n, len(rest))}
	}
	cl, err := NewClient(cfg, ClientOptions{Log: quiet})
	if err != nil {
		return err
	}
	defer cl.Close()
	var v string
	switch op {
	case "get":
		v, err = cl.Get(rest[0], *timeout)
	case "put":
		err = cl.Put(rest[0], rest[1], *timeout)
		v = rest[1]
	case "append":
		v, err = cl.Do(appendOp(rest[0], rest[1]), *timeout)
		if err == nil && cfg.System == "shardkv" {
			v = "ok"
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, v)
	return nil
}

// The bounds of bench's flags.
const (
	maxBenchClients = 1000
	maxBenchKeys    = 1 << 20
)

// interruptedError is a bench stopped by SIGINT or SIGTERM after printing
// what finished: exit status 130.
type interruptedError struct{ error }

func bench(cfg *Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.Int("clients", 8, "concurrent clients")
	keys := fs.Int("keys", 16, "keys")
	duration := fs.Duration("duration", 5*time.Second, "how long")
	gets := fs.Float64("gets", 0, "share of gets, the rest puts (0: a third each of get, put, append)")
	check := fs.Bool("check", false, "check the history for linearizability")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *clients < 1 || *keys < 1 || *duration <= 0 || !(*gets >= 0 && *gets <= 1) {
		return usageError{errors.New("bench: -clients and -keys at least 1, -duration positive, -gets between 0 and 1")}
	}
	if *clients > maxBenchClients || *keys > maxBenchKeys || *duration > time.Hour {
		return usageError{fmt.Errorf("bench: at most %d clients (each is a node with its own connections), %d keys and 1h", maxBenchClients, maxBenchKeys)}
	}
	// Keys of this run's own, so that what the cluster held before does
	// not count against the history.
	var tag [4]byte
	rand.Read(tag[:])
	// SIGINT or SIGTERM ends the run early but keeps what finished: the
	// figures and the history of the operations done so far. A second
	// one quits at once.
	stop := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case got := <-sig:
			signal.Stop(sig)
			fmt.Fprintf(stderr, "simlab-kv: %v: finishing the operations in flight, then printing what finished (again to quit at once)\n", got)
			close(stop)
		case <-done:
		}
	}()
	res, err := RunWorkload(cfg, Workload{Clients: *clients, Keys: *keys, Duration: *duration, GetShare: *gets,
		KeyPrefix: fmt.Sprintf("bench-%x-", tag), Stop: stop})
	if err != nil {
		return err
	}
	interrupted := stopped(stop)
	if interrupted {
		fmt.Fprint(stdout, "interrupted: ")
	}
	fmt.Fprintf(stdout, "%d operations in %v by %d clients: %.0f ops/s; latency p50 %v, p90 %v, p99 %v, max %v; %d unknown\n",
		res.Ops, res.Elapsed.Round(time.Millisecond), *clients, res.Throughput(),
		res.Percentile(0.5).Round(time.Microsecond), res.Percentile(0.9).Round(time.Microsecond),
		res.Percentile(0.99).Round(time.Microsecond), res.Percentile(1).Round(time.Microsecond), res.Unknown)
	if *check {
		r := checker.CheckLinearizable(checker.KVModel, res.History, time.Minute)
		fmt.Fprintf(stdout, "history: %s\n", r.Outcome)
		if r.Outcome != checker.Linearizable {
			return errors.New(strings.TrimSpace(r.Explain()))
		}
	}
	if interrupted {
		return interruptedError{errors.New("interrupted")}
	}
	return nil
}
