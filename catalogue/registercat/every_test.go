package registercat

import (
	"testing"

	"github.com/simlab-go/simlab/scenarios/scenariotest"
)

func TestPrintedScheduleReplays(t *testing.T) { scenariotest.ScheduleReplays(t, "register/*", 3) }

func TestFaultsAreData(t *testing.T) { scenariotest.FaultsAreData(t, "register/*") }
