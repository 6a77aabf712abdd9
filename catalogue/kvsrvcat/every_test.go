package kvsrvcat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "kvsrv/*,lock/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "kvsrv/*,lock/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "kvsrv/*,lock/*") }
