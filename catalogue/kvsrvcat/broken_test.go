package kvsrvcat

import (
	"strings"
	"testing"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/scenarios/scenariotest"
	"github.com/simlab-go/simlab/sim/node"
	"github.com/simlab-go/simlab/systems/kvsrv"
)

// releaseIgnoringMaybe is a lock release that takes ErrMaybe for a failure
// and tries again from the key's current version, whatever the key holds
// by then: if its first put had applied, another client may hold the lock,
// and this release frees that client's lock.
func releaseIgnoringMaybe(cl *srvClient, name string, env node.Env, done func(node.Env)) {
	key, me := cl.lockOf(name).Key(), "c"+strings.TrimPrefix(cl.sc.w.Name(env.Self()), "c")
	var try func(env node.Env, mustHold bool)
	try = func(env node.Env, mustHold bool) {
		cl.Clerk.Get(env, key, func(env node.Env, value string, version uint64, err string) {
			if mustHold && value != me {
				done(env)
				return
			}
			cl.Clerk.Put(env, key, "", version, func(env node.Env, err string) {
				if err == kvsrv.OK {
					done(env)
					return
				}
				try(env, false) // ErrMaybe taken for "did not apply": release again, held or not
			})
		})
	}
	try(env, true)
}

// TestBrokenLockIsCaught: the lock with a release that ignores ErrMaybe is
// caught with two holders on a lossy network, and the correct lock passes
// the seed that caught it.
func TestBrokenLockIsCaught(t *testing.T) {
	var broken scenarios.Scenario
	for _, s := range srvScenarios(func(sc *srvCluster) { sc.release = releaseIgnoringMaybe }) {
		if s.Name == "lock/unreliable" {
			broken = s
		}
	}
	broken.Name = "broken-lock/unreliable"
	seed, out := scenariotest.FirstFailingSeed(t, broken, 20, scenarios.Options{})
	if seed == 0 {
		t.Fatal("lock/unreliable caught nothing within 20 seeds")
	}
	msg := out.Failures[0].Msg
	t.Logf("caught at seed %d: %s: %.300s", seed, out.Failures[0].Kind, msg)
	if !strings.Contains(msg, "held by") && !strings.Contains(msg, "marker") && !strings.Contains(msg, "linearizable") {
		t.Errorf("caught by %q; want two holders", msg)
	}
	if n := scenariotest.ShareSeeds(t); n > 0 {
		k := scenariotest.FailingShare(t, broken, n, scenarios.Options{})
		t.Logf("caught at %d of seeds 1-%d", k, n)
	}
	if good, err := scenarios.Run("lock/unreliable", seed, scenarios.Options{}); err != nil || !good.Passed {
		t.Fatalf("the correct lock fails seed %d too: %v %+v", seed, err, good.Failures)
	}
}
