package labfixture

import (
	"math/rand"
	"testing"
	"time"
)

func TestInitialElection(t *testing.T) {
	const servers = 3
	cfg := makeConfig(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test: initial election")

	cfg.checkOneLeader()

	// Let the heartbeats settle, then the servers must agree on the term.
	time.Sleep(50 * time.Millisecond)
	term1 := cfg.checkTerms()
	if term1 < 1 {
		t.Fatalf("term is %d, but should be at least 1", term1)
	}

	// With no failures the leader and the term stay.
	time.Sleep(2 * time.Second)
	if term2 := cfg.checkTerms(); term1 != term2 {
		t.Logf("warning: term changed from %d to %d with no failures", term1, term2)
	}
	cfg.checkOneLeader()
	cfg.end()
}

func TestReElection(t *testing.T) {
	const servers = 3
	cfg := makeConfig(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test: election after network failure")

	leader1 := cfg.checkOneLeader()

	// The leader leaves: a new one must be elected.
	cfg.disconnect(leader1)
	cfg.checkOneLeader()

	// The old leader comes back: it must not disturb the new one.
	cfg.connect(leader1)
	leader2 := cfg.checkOneLeader()

	// Without a majority there must be no leader.
	cfg.disconnect(leader2)
	cfg.disconnect((leader2 + 1) % servers)
	time.Sleep(2 * time.Second)
	cfg.checkNoLeader()

	// A majority again: a leader again.
	cfg.connect((leader2 + 1) % servers)
	cfg.checkOneLeader()

	// Everyone back.
	cfg.connect(leader2)
	cfg.checkOneLeader()
	cfg.end()
}

// TestUnreliableAgreement drives a five-server cluster on an unreliable
// network through random partitions while every self-declared leader is
// given commands, and checks safety all along: never two leaders in one
// term, never two different commands applied at one index. It is the test
// that catches the planted bug (see RequestVote), at some seeds.
func TestUnreliableAgreement(t *testing.T) {
	const servers = 3
	cfg := makeConfig(t, servers, true, false)
	defer cfg.cleanup()
	cfg.begin("Test: agreement on an unreliable network with partitions")

	cfg.one(rand.Int(), servers)
	for iter := 0; iter < 25; iter++ {
		if rand.Intn(3) > 0 {
			cfg.heal()
		} else {
			perm := rand.Perm(servers)
			cut := 1 + rand.Intn(servers-1)
			cfg.partition(perm[:cut], perm[cut:])
		}
		for k := 0; k < 3; k++ {
			for _, rf := range cfg.rafts {
				rf.Start(rand.Int())
			}
			cfg.watch(time.Duration(20+rand.Intn(150)) * time.Millisecond)
		}
		cfg.watch(time.Duration(200+rand.Intn(400)) * time.Millisecond)
	}
	cfg.heal()
	cfg.one(rand.Int(), servers)
	cfg.watch(500 * time.Millisecond)
	cfg.end()
}
