package sim

import "github.com/simlab-go/simlab/sim/node"

// NodeStats counts what happened at one node, or in the whole run. Messages
// are counted at the sender: Sent = delivered + dropped - duplicated, give or
// take messages still in flight.
type NodeStats struct {
	Events         int64 // handler calls
	Sent           int64 // Send effects committed
	Delivered      int64 // messages handed to this node
	Dropped        int64 // messages this node sent that were lost, cut off or sent to a crashed node
	Duplicated     int64 // messages this node sent that the network delivered twice
	BytesSent      int64
	BytesDelivered int64
	DiskWrites     int64
	DiskBytes      int64
	DiskSyncs      int64
	Crashes        int64
	Restarts       int64
	Refusals       int64 // incarnations that refused to start over damaged state
}

// Add adds o's counts to s.
func (s *NodeStats) Add(o NodeStats) {
	s.Events += o.Events
	s.Sent += o.Sent
	s.Delivered += o.Delivered
	s.Dropped += o.Dropped
	s.Duplicated += o.Duplicated
	s.BytesSent += o.BytesSent
	s.BytesDelivered += o.BytesDelivered
	s.DiskWrites += o.DiskWrites
	s.DiskBytes += o.DiskBytes
	s.DiskSyncs += o.DiskSyncs
	s.Crashes += o.Crashes
	s.Restarts += o.Restarts
	s.Refusals += o.Refusals
}

// NodeStats returns one node's counters.
func (w *World) NodeStats(id node.ID) NodeStats { return w.node(id).stats }

// Stats returns the run's totals over every node.
func (w *World) Stats() NodeStats {
	var s NodeStats
	for _, n := range w.nodes {
		s.Add(n.stats)
	}
	return s
}
