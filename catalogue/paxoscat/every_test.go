package paxoscat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "paxos/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "paxos/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "paxos/*") }
