package simrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// A sharded sweep (-shard, Bazel's TEST_SHARD_INDEX, a Kubernetes Indexed
// Job's JOB_COMPLETION_INDEX) leaves one -json output per shard. -merge
// reads them all and prints what the unsharded sweep would have printed:
// every failure with its replay command, then one summary. It refuses a set
// of files that is not one whole sweep (a shard missing, given twice,
// interrupted or cut off, or a shard of another sweep), since a summary of
// part of a sweep would claim runs that never happened.

// shardOutput is one shard's -json output, read and checked.
type shardOutput struct {
	file     string
	index    int
	total    int
	summary  summary
	failures []finding
}

func merge(c *config, stdout, stderr io.Writer) int {
	shards, err := readShards(c.merge)
	if err != nil {
		fmt.Fprintf(stderr, "%s -merge: %v\n", c.prog.name(), err)
		return 2
	}
	first := shards[0]
	sum := summary{Type: "summary", Scenarios: map[string]*tally{}, Shards: first.total,
		Pattern: first.summary.Pattern, Seeds: first.summary.Seeds, Options: first.summary.Options, Binary: first.summary.Binary, Determinism: first.summary.Determinism, LeftOut: first.summary.LeftOut}
	var failures []finding
	var cover *coverTally
	for _, s := range shards {
		if s.summary.Coverage != nil {
			if cover == nil {
				cover = newCoverTally()
			}
			cover.addReport(s.summary.Coverage)
		}
		for name, t := range s.summary.Scenarios {
			if sum.Scenarios[name] == nil {
				sum.Scenarios[name] = &tally{}
			}
			sum.Scenarios[name].addTally(*t)
		}
		sum.tally.addTally(s.summary.tally)
		sum.WallSeconds = max(sum.WallSeconds, s.summary.WallSeconds)
		sum.ShardWallSeconds += s.summary.WallSeconds
		failures = append(failures, s.failures...)
	}
	if sum.WallSeconds > 0 {
		sum.RunsPerSec = float64(sum.Runs) / sum.WallSeconds
	}
	// The order an unsharded sweep prints in depends on which run finished
	// first; the merged list is in a fixed one instead.
	sort.SliceStable(failures, func(i, j int) bool {
		a, b := failures[i], failures[j]
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		return a.Seed < b.Seed
	})
	if cover != nil {
		sum.Coverage = cover.report()
	}
	f := newFormat(stdout, c.json)
	for _, x := range failures {
		f.finding(x)
	}
	f.summary(sum)
	if sum.Failed > 0 || sum.Unknown > 0 {
		return 1
	}
	return 0
}

func (t *tally) addTally(o tally) {
	t.Runs += o.Runs
	t.Passed += o.Passed
	t.Failed += o.Failed
	t.Unknown += o.Unknown
	t.Hung += o.Hung
	t.Crashed += o.Crashed
	t.Digest += o.Digest
}

// readShards reads every file and checks that together they are every
// shard of one sweep, once each.
func readShards(files []string) ([]*shardOutput, error) {
	var shards []*shardOutput
	for _, f := range files {
		s, err := readShard(f)
		if err != nil {
			return nil, err
		}
		shards = append(shards, s)
	}
	first := shards[0]
	byIndex := map[int]*shardOutput{}
	for _, s := range shards {
		a, b := first.summary, s.summary
		for _, d := range []struct{ what, x, y string }{
			{"shard count", fmt.Sprint(first.total), fmt.Sprint(s.total)},
			{"-scenario", a.Pattern, b.Pattern},
			{"-seeds", a.Seeds, b.Seeds},
			{"options", a.Options, b.Options},
			{"test binary", a.Binary, b.Binary},
			{"-check-determinism", fmt.Sprint(a.Determinism), fmt.Sprint(b.Determinism)},
			{"-coverage", fmt.Sprint(a.Coverage != nil), fmt.Sprint(b.Coverage != nil)},
		} {
			if d.x != d.y {
				return nil, fmt.Errorf("%s and %s are not shards of one sweep: %s %q against %q; merge the outputs of one sweep's shards", first.file, s.file, d.what, d.x, d.y)
			}
		}
		if o := byIndex[s.index]; o != nil {
			return nil, fmt.Errorf("%s and %s are both shard %d/%d: give each shard once", o.file, s.file, s.index, s.total)
		}
		byIndex[s.index] = s
	}
	var missing []string
	for i := 0; i < first.total; i++ {
		if byIndex[i] == nil {
			missing = append(missing, fmt.Sprintf("%d/%d", i, first.total))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shard %s missing: a merge of part of a sweep would report runs that never happened; give all %d shards' outputs", strings.Join(missing, ", "), first.total)
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].index < shards[j].index })
	return shards, nil
}

func readShard(file string) (*shardOutput, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%v; give the files a sweep's -json output was written to", err)
	}
	s := &shardOutput{file: file}
	seen := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("%s:%d is not a line of simrun -json output (%v): %.80q", file, n, err, raw)
		}
		if seen {
			return nil, fmt.Errorf("%s:%d follows the summary line: give each shard's output in a file of its own", file, n)
		}
		switch probe.Type {
		case "failure", "unknown":
			var l finding
			if err := json.Unmarshal(raw, &l); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", file, n, err)
			}
			s.failures = append(s.failures, l)
		case "summary":
			if err := json.Unmarshal(raw, &s.summary); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", file, n, err)
			}
			if _, err := fmt.Sscanf(s.summary.Shard, "%d/%d", &s.index, &s.total); err != nil || s.total < 1 || s.index < 0 || s.index >= s.total {
				return nil, fmt.Errorf("%s:%d: shard %q is not i/n", file, n, s.summary.Shard)
			}
			if s.summary.Pattern == "" || s.summary.Seeds == "" {
				return nil, fmt.Errorf("%s:%d: the summary does not say which sweep it was (no pattern or seeds): rerun the shard with this simrun", file, n)
			}
			seen = true
		default:
			return nil, fmt.Errorf("%s:%d: a line of type %q; simrun -json writes failure, unknown and summary lines", file, n, probe.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	switch {
	case !seen:
		return nil, fmt.Errorf("%s has no summary line: the shard did not finish (or this is not its -json output); rerun it", file)
	case s.summary.Interrupted != "":
		return nil, fmt.Errorf("%s: shard %s was interrupted (%s); rerun it", file, s.summary.Shard, s.summary.Interrupted)
	}
	return s, nil
}
