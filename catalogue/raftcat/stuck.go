package raftcat

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simlab-go/simlab/sim/node"
)

// What a stuck run was doing. The harness counts, from the moment a wait
// for agreement or for a leader begins, what each server receives from
// each other, by kind; when the wait times out, describe names every
// server's state, the servers that lack entries the leader holds and the
// traffic between the leader and each of them, so that "failed to reach
// agreement" comes with "s2 lacks entries 12–40; s0 sent it 9,312
// AppendEntries, it refused 9,310".

// linkTraffic is what one server received from another since markWait.
type linkTraffic struct {
	byKind   map[string]int
	total    int
	refusals int
}

// markWait starts counting afresh: the traffic describe reports is that
// of the current wait.
func (rc *raftCluster) markWait() {
	clear(rc.traffic)
	rc.trafficSince = rc.w.Now()
}

// countRecv notes one message delivered to a server.
func (rc *raftCluster) countRecv(from, to node.ID, msg any) {
	kind, refusal := fmt.Sprintf("%T", msg), false
	if rc.impl.Classify != nil {
		kind, refusal = rc.impl.Classify(msg)
	}
	k := [2]node.ID{from, to}
	t := rc.traffic[k]
	if t == nil {
		t = &linkTraffic{byKind: map[string]int{}}
		rc.traffic[k] = t
	}
	t.byKind[kind]++
	t.total++
	if refusal {
		t.refusals++
	}
}

// describe says where every server stands, who lags the leader and what
// passed between them: what a stuck run was doing.
func (rc *raftCluster) describe() string {
	var parts []string
	leader, leaderTerm, leaderLast := node.None, -1, 0
	for i, id := range rc.ids {
		h, ok := rc.host(id)
		if !ok {
			parts = append(parts, rc.names[i]+" down")
			continue
		}
		v := h.srv.Log()
		term, leads := h.srv.State()
		role := "" // a follower or a candidate: Server does not say
		if leads {
			role = " leader,"
			if term > leaderTerm {
				leader, leaderTerm, leaderLast = id, term, v.LastIndex
			}
		}
		cut := ""
		if !rc.connected(id) {
			cut = ", disconnected"
		}
		parts = append(parts, fmt.Sprintf("%s%s term %d, log (%d, %d], commit %d, applied %d%s", rc.names[i], role, term, v.FirstIndex, v.LastIndex, v.CommitIndex, rc.applied[id], cut))
	}
	out := "servers: " + strings.Join(parts, "; ")
	since := rc.trafficSince.Round(time.Millisecond)
	if leader == node.None {
		out += "; no running server believes it leads"
		if busiest := rc.busiest(3); busiest != "" {
			out += fmt.Sprintf("; since %v: %s", since, busiest)
		}
		return out
	}
	ln := rc.w.Name(leader)
	for i, id := range rc.ids {
		h, ok := rc.host(id)
		if !ok || id == leader {
			continue
		}
		last := h.srv.Log().LastIndex
		if last >= leaderLast {
			continue
		}
		out += fmt.Sprintf("; %s lacks entries %s that the leader %s holds", rc.names[i], span(last+1, leaderLast), ln)
		out += "; since " + since.String() + ": " + rc.between(leader, id)
	}
	return out
}

// between tells what leader and follower sent each other since markWait.
func (rc *raftCluster) between(leader, follower node.ID) string {
	ln, fn := rc.w.Name(leader), rc.w.Name(follower)
	down, up := rc.traffic[[2]node.ID{leader, follower}], rc.traffic[[2]node.ID{follower, leader}]
	if down == nil {
		return fmt.Sprintf("%s received nothing from %s", fn, ln)
	}
	s := fmt.Sprintf("%s received %s from %s", fn, kinds(down), ln)
	switch {
	case up == nil:
		s += fmt.Sprintf(" and %s received no answer", ln)
	default:
		s += fmt.Sprintf(", %s received %s back", ln, kinds(up))
		if rc.impl.Classify != nil {
			switch {
			case up.refusals == 0:
				s += ", none refusing entries"
			case up.refusals == up.total:
				s += ", all refusing entries"
			default:
				s += fmt.Sprintf(", %s refusing entries", count(up.refusals))
			}
		}
	}
	return s
}

// busiest names the n links that carried most since markWait.
func (rc *raftCluster) busiest(n int) string {
	keys := make([][2]node.ID, 0, len(rc.traffic))
	//simlab:unordered sorted right below
	for k := range rc.traffic {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]node.ID) int {
		if c := cmp.Compare(rc.traffic[b].total, rc.traffic[a].total); c != 0 {
			return c
		}
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s received %s from %s", rc.w.Name(k[1]), kinds(rc.traffic[k]), rc.w.Name(k[0])))
	}
	return strings.Join(parts, "; ")
}

// kinds is "9,312 messages (raft.AppendEntries ×9,300, raft.InstallSnapshot ×12)".
func kinds(t *linkTraffic) string {
	names := make([]string, 0, len(t.byKind))
	//simlab:unordered sorted right below
	for k := range t.byKind {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(t.byKind[b], t.byKind[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var each []string
	for _, k := range names {
		each = append(each, k+" ×"+count(t.byKind[k]))
	}
	noun := "messages"
	if t.total == 1 {
		noun = "message"
	}
	return fmt.Sprintf("%s %s (%s)", count(t.total), noun, strings.Join(each, ", "))
}

// span is "12–40", or "12" for one entry.
func span(from, to int) string {
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
