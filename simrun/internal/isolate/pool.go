package isolate

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Pool runs jobs, each in a worker process (Isolated) or in this
// process, at most Timeout of wall time each, and turns a job that is lost
// (hung, or killing its worker) into a result of its own.
type Pool[S, J, R any] struct {
	// Setup is what every worker is started with; Run runs one job under
	// it. A worker process calls Run too (ServeIfWorker), so the program
	// must pass the same function there.
	Setup S
	Run   func(S, J) R
	// Isolated runs each job in a worker process; otherwise a job runs in
	// this process, and one that hangs is abandoned (nothing can stop a
	// goroutine), still using a core.
	Isolated bool
	Timeout  time.Duration
	// LostResult is the result of a job that was lost.
	LostResult func(J, Lost) R
	// Stacks keeps, of a goroutine dump, the goroutines that tell where a
	// job was stuck (all of it if nil).
	Stacks func(dump string) string

	mu          sync.Mutex
	workers     map[*worker[J, R]]bool
	interrupted bool
}

// Dispatch runs the jobs take hands out, one at a time, until it has no
// more, giving each result to emit. A sweep calls it from as many
// goroutines as it runs jobs at once.
func (p *Pool[S, J, R]) Dispatch(take func() (J, bool), emit func(R)) {
	if p.Isolated {
		p.dispatchIsolated(take, emit)
	} else {
		p.dispatchInProcess(take, emit)
	}
}

// Interrupt kills the jobs running in workers now: their results are not
// emitted (they did not run), and Dispatch returns.
func (p *Pool[S, J, R]) Interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.interrupted = true
	for w := range p.workers {
		w.cmd.Process.Kill()
	}
}

func (p *Pool[S, J, R]) register(w *worker[J, R], live bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.workers == nil {
		p.workers = map[*worker[J, R]]bool{}
	}
	if live {
		p.workers[w] = true
	} else {
		delete(p.workers, w)
	}
}

func (p *Pool[S, J, R]) stacks(dump string) string {
	if p.Stacks == nil {
		return dump
	}
	return p.Stacks(dump)
}

// dispatchIsolated hands jobs to one worker process at a time, replacing
// it whenever a job hangs or kills it.
func (p *Pool[S, J, R]) dispatchIsolated(take func() (J, bool), emit func(R)) {
	var w *worker[J, R]
	defer func() {
		if w != nil {
			p.register(w, false)
			w.close()
		}
	}()
	for {
		j, ok := take()
		if !ok {
			return
		}
		if w == nil {
			var err error
			if w, err = startWorker[J, R](p.Setup, p.stacks); err != nil {
				emit(p.LostResult(j, Lost{"crashed", "the worker process did not start: " + err.Error()}))
				return
			}
			p.register(w, true)
		}
		r, lost := w.run(j, p.Timeout)
		if lost != nil {
			p.register(w, false)
			w = nil
			p.mu.Lock()
			interrupted := p.interrupted
			p.mu.Unlock()
			if interrupted {
				return // killed by the interrupt: not run, not a crash
			}
			r = p.LostResult(j, *lost)
		}
		emit(r)
	}
}

// dispatchInProcess runs jobs in this process. A job past the timeout is
// reported as hung with the stacks of its goroutines, and abandoned.
func (p *Pool[S, J, R]) dispatchInProcess(take func() (J, bool), emit func(R)) {
	for {
		j, ok := take()
		if !ok {
			return
		}
		done := make(chan R, 1)
		go func() { done <- p.Run(p.Setup, j) }()
		select {
		case r := <-done:
			emit(r)
		case <-time.After(p.Timeout):
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			emit(p.LostResult(j, Lost{"hung", fmt.Sprintf("still running after %v of wall time (-run-timeout), abandoned in this process (run with -isolate to have it killed); stacks:\n%s", p.Timeout, p.stacks(string(buf)))}))
		}
	}
}
