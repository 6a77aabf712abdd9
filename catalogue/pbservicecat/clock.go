package pbservicecat

import (
	"fmt"
	"strconv"
	"time"

	"github.com/simlab-go/simlab/scenarios"
	"github.com/simlab-go/simlab/systems/viewservice"
)

// Clock rates. The view service takes a server for dead after DeadPings
// ping intervals without a ping, on its own clock (500 ms); a primary
// serves only while it believes itself in touch with the service, that is
// while it heard an answer within DeadPings−1 intervals of its own clock
// (400 ms). The primary's belief ends before the service's patience does
// while
//
//	(DeadPings−1)·PingInterval / R + latency < DeadPings·PingInterval
//
// with R the primary's clock rate over the view service's: R > 0.8, a
// primary's clock at most a fifth slow, less a little for latency. Beyond
// it a primary cut off from the view service still believes itself in
// touch after the service has replaced it: a lease that outlives its
// holder's place. That is safe in this design, and only in this one: a
// primary answers nothing its backup has not acknowledged, and the backup,
// primary of a later view by then, refuses a forward of the old one.
// pbservice/clock-rates checks both sides: at its default R = 0.85 the
// old primary's belief has ended when the service replaces it, and at
// R = 0.5 (the slowest a clock fault allows) it outlives its place
// (reported; TestClockRateBound requires it), with the history
// linearizable either way.
//
// The view service's own bound, between a server's ping interval and its
// patience, is R > 1/DeadPings (a server's clock five times slower than
// the service's): beyond every clock fault, whose rates from half to twice
// real time make at most four times. The swarm's ±33% is far inside both.

// clockBoundPercent is where, on this network's latencies, the old
// primary's belief is sure to have ended when it is replaced: the bound
// of 80%, plus a margin for a ping's round trip.
const clockBoundPercent = 85

var clockRatioParam = scenarios.Param{Name: "ratio", Default: "85",
	Doc: "the primary's clock rate over the view service's, in %: at 85 or more its belief in its place ends first; the bound is 80", Min: 50, Max: 100}

// runClockRates slows the primary's clock, cuts the primary off from the
// view service (not from its backup or its clients), and watches the old
// primary's belief in its place against the service's view.
func runClockRates(c *scenarios.Case, broken breakage) {
	pc := newPBCluster(c, 3, broken)
	pc.addClients(2, pbKeys, false)
	pc.waitView(true, 5*time.Second)
	primary := pc.view().Primary
	name := pc.w.Name(primary)
	ratio := c.IntParam("ratio")
	pc.Fault("clock", name, "0s", strconv.FormatFloat(float64(ratio)/100-1, 'f', 2, 64))
	pc.Run(time.Second) // serving on the slow clock

	replacedAt, overrun, healed := time.Duration(-1), time.Duration(0), false
	pc.w.Observe("an old primary's belief in its place", func() error {
		if healed {
			return nil // in touch again, and told of the new view
		}
		if replacedAt < 0 {
			if v := pc.view(); v.Primary != primary {
				replacedAt = pc.w.Now()
			}
			return nil
		}
		s := pc.server(primary)
		if s == nil || !pc.w.Up(primary) || !s.InTouch(pc.w.Clock(primary)) {
			return nil
		}
		overrun = pc.w.Now() - replacedAt
		if ratio >= clockBoundPercent {
			return fmt.Errorf("%s, primary on a clock at %d%% of the view service's, still believes itself in touch %v after the service replaced it: inside the bound its belief must end first", name, ratio, overrun)
		}
		return nil
	})
	pc.Fault("cut", "vs,"+name)
	pc.Run(3 * viewservice.DeadPings * viewservice.PingInterval)
	if replacedAt < 0 {
		c.Failf("the view service still names %s primary %v after it was cut off from it", name, 3*viewservice.DeadPings*viewservice.PingInterval)
		return
	}
	if overrun > 0 {
		c.Reportf("beyond the bound: %s believed itself in touch %v after the view service replaced it, and answered nothing its backup had not acknowledged", name, overrun)
	} else {
		c.Reportf("%s's belief in its place had ended when the view service replaced it", name)
	}
	healed = true
	pc.Fault("heal")
	pc.finish(10 * time.Second)
}
