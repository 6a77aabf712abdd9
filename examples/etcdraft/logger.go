package etcdraft

import (
	"fmt"

	"github.com/simlab-go/simlab/sim/node"
)

// logger is etcd's raft.Logger writing into the node's trace (simrun -v)
// through the Env of the handler call in progress, instead of to stderr
// with wall-clock stamps. Fatal and Panic panic, which the simulator turns
// into a failure of the run naming the node.
type logger struct{ env node.Env }

func (l *logger) logf(level, format string, args ...any) {
	if l.env != nil {
		l.env.Logf("etcd %s: %s", level, fmt.Sprintf(format, args...))
	}
}

func (l *logger) Debug(v ...any)                 {}
func (l *logger) Debugf(format string, v ...any) {}
func (l *logger) Info(v ...any)                  { l.logf("info", "%s", fmt.Sprint(v...)) }
func (l *logger) Infof(format string, v ...any)  { l.logf("info", format, v...) }
func (l *logger) Warning(v ...any)               { l.logf("warning", "%s", fmt.Sprint(v...)) }
func (l *logger) Warningf(format string, v ...any) {
	l.logf("warning", format, v...)
}
func (l *logger) Error(v ...any)                 { l.logf("error", "%s", fmt.Sprint(v...)) }
func (l *logger) Errorf(format string, v ...any) { l.logf("error", format, v...) }
func (l *logger) Fatal(v ...any)                 { panic("etcd fatal: " + fmt.Sprint(v...)) }
func (l *logger) Fatalf(format string, v ...any) { panic("etcd fatal: " + fmt.Sprintf(format, v...)) }
func (l *logger) Panic(v ...any)                 { panic("etcd panic: " + fmt.Sprint(v...)) }
func (l *logger) Panicf(format string, v ...any) { panic("etcd panic: " + fmt.Sprintf(format, v...)) }
