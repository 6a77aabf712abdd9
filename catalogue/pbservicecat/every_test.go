package pbservicecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "pbservice/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "pbservice/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "pbservice/*") }
