package live

import (
	"testing"

	"github.com/simlab-go/simlab/sim/node"
)

// An offline boot reads the node's files as a restart would, and what the
// handler writes while booting stays in memory.
func TestOfflineEnvBootsOverACopy(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.WriteFile("state", []byte("term 7"))
	d.Sync()
	d.Close()

	files, err := ReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := NewOfflineEnv(3, files)
	var saw string
	var restarted bool
	boot := node.HandlerFunc(func(env node.Env, ev node.Event) {
		restarted = ev.(*node.Start).Restarted
		b, _ := env.Disk().ReadFile("state")
		saw = string(b)
		env.Disk().WriteFile("state", []byte("term 8"))
		env.Disk().Append("new", []byte("x"))
		env.Disk().Sync()
		env.Send(1, "vote")
		env.SetTimer(1, "election")
	})
	if refusal := env.Boot(boot); refusal != nil {
		t.Fatalf("Boot refused: %v", refusal)
	}
	if saw != "term 7" || !restarted || env.Self() != 3 {
		t.Fatalf("the handler saw %q, restarted %v, self %v; want the file, a restart and node 3", saw, restarted, env.Self())
	}
	if b, _ := env.Disk().ReadFile("state"); string(b) != "term 8" {
		t.Errorf("the copy does not keep the handler's write: %q", b)
	}
	if string(files["state"]) != "term 7" {
		t.Errorf("the handler's write reached the files it was given: %q", files["state"])
	}
	after, err := ReadOnly(dir)
	if err != nil || len(after) != 1 || string(after["state"]) != "term 7" {
		t.Errorf("the data directory changed: %q, %v", after, err)
	}
}

// A handler that refuses damaged state gives its diagnosis; any other
// panic is the caller's.
func TestOfflineEnvBootReportsARefusal(t *testing.T) {
	env := NewOfflineEnv(0, nil)
	damage := &node.Damage{File: "raft.log.0", Offset: 12, Found: "a bad record"}
	refuse := node.HandlerFunc(func(node.Env, node.Event) { node.Refuse(damage) })
	if got := env.Boot(refuse); got != damage {
		t.Fatalf("Boot = %v, want the refusal %v", got, damage)
	}
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want the handler's own panic", p)
		}
	}()
	env.Boot(node.HandlerFunc(func(node.Env, node.Event) { panic("boom") }))
	t.Fatal("a panic other than a refusal did not go up")
}
