package viewservicecat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestEveryScenario(t *testing.T) { scenariotest.EveryScenario(t, "viewservice/*") }

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "viewservice/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "viewservice/*") }
