package simrun

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simlab-go/simlab/scenarios"
)

// seedRange is an inclusive range of seeds; seeds start at 1.
type seedRange struct{ first, last uint64 }

const seedForm = "want N (seeds 1 to N) or A-B (seeds A to B inclusive), seeds starting at 1, e.g. -seeds 1000 or -seeds 500-999"

func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a positive integer")
	}
	if v == 0 {
		return 0, fmt.Errorf("seeds start at 1")
	}
	return v, nil
}

// parseSeeds reads "N" (seeds 1 to N) or "A-B" (A to B inclusive).
func parseSeeds(s string) (seedRange, error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil || n == 0 {
			return seedRange{}, fmt.Errorf("%s", seedForm)
		}
		return seedRange{1, n}, nil
	}
	first, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
	last, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil {
		return seedRange{}, fmt.Errorf("%s", seedForm)
	}
	if first == 0 {
		return seedRange{}, fmt.Errorf("seeds start at 1; %s", seedForm)
	}
	if last < first {
		return seedRange{}, fmt.Errorf("the range ends (%d) before it starts (%d); %s", last, first, seedForm)
	}
	return seedRange{first, last}, nil
}

// count is the number of seeds in the range, saturating at MaxUint64.
func (r seedRange) count() uint64 {
	n := r.last - r.first
	if n == math.MaxUint64 {
		return n
	}
	return n + 1
}

// shard selects every n-th run of a sweep, starting at index i.
type shard struct{ index, total int }

// parseShard reads -shard i/n, or else the standard test-sharding variables
// TEST_SHARD_INDEX and TEST_TOTAL_SHARDS (Bazel; when TEST_SHARD_STATUS_FILE
// is set it is touched, telling the runner that sharding is supported), or
// else a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with the number of
// completions in JOB_COMPLETIONS, which the Job sets itself (Kubernetes does
// not pass it on).
func parseShard(flagValue string, getenv func(string) string) (shard, error) {
	if flagValue != "" {
		a, b, ok := strings.Cut(flagValue, "/")
		i, err1 := strconv.Atoi(a)
		n, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return shard{}, usagef("-shard %q: want i/n with 0 ≤ i < n, e.g. -shard 0/4", flagValue)
		}
		return shard{i, n}, nil
	}
	idx, tot := getenv("TEST_SHARD_INDEX"), getenv("TEST_TOTAL_SHARDS")
	if idx != "" || tot != "" {
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(tot)
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return shard{}, usagef("TEST_SHARD_INDEX=%q TEST_TOTAL_SHARDS=%q: want 0 ≤ index < total", idx, tot)
		}
		if f := getenv("TEST_SHARD_STATUS_FILE"); f != "" {
			if err := touch(f); err != nil {
				return shard{}, usagef("TEST_SHARD_STATUS_FILE: %v", err)
			}
		}
		return shard{i, n}, nil
	}
	idx, tot = getenv("JOB_COMPLETION_INDEX"), getenv("JOB_COMPLETIONS")
	if idx == "" && tot == "" {
		return shard{0, 1}, nil
	}
	if idx != "" && tot == "" {
		return shard{}, usagef("JOB_COMPLETION_INDEX=%q is set but JOB_COMPLETIONS is not: Kubernetes does not pass the completion count on; set JOB_COMPLETIONS to the Job's spec.completions in its env (see deploy/k8s/sweep-job.yaml)", idx)
	}
	i, err1 := strconv.Atoi(idx)
	n, err2 := strconv.Atoi(tot)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shard{}, usagef("JOB_COMPLETION_INDEX=%q JOB_COMPLETIONS=%q: want 0 ≤ index < completions (an Indexed Job with completionMode: Indexed)", idx, tot)
	}
	return shard{i, n}, nil
}

// job is one run of a sweep.
type job struct {
	scenario string
	seed     uint64
}

// jobs produces a shard's runs lazily, in order: every selected scenario
// for every seed, dealt round-robin over the shards. It holds a position,
// not a list, so a sweep of any size runs in constant memory.
type jobs struct {
	sel   []scenarios.Scenario
	seeds seedRange
	shard shard
	si    int    // the scenario of the next candidate
	seed  uint64 // the seed of the next candidate
	k     uint64 // the candidate's index in the whole sweep, mod the shards
	done  bool
}

func newJobs(sel []scenarios.Scenario, seeds seedRange, sh shard) *jobs {
	return &jobs{sel: sel, seeds: seeds, shard: sh, seed: seeds.first, done: len(sel) == 0}
}

// next returns the next run of this shard.
func (j *jobs) next() (job, bool) {
	for !j.done {
		out := job{j.sel[j.si].Name, j.seed}
		mine := j.k == uint64(j.shard.index)
		j.k = (j.k + 1) % uint64(j.shard.total)
		if j.seed == j.seeds.last {
			j.si++
			j.seed = j.seeds.first
			j.done = j.si == len(j.sel)
		} else {
			j.seed++
		}
		if mine {
			return out, true
		}
	}
	return job{}, false
}

// total is how many runs this shard has, saturating at MaxUint64.
func (j *jobs) total() uint64 {
	per := j.seeds.count()
	n := uint64(len(j.sel))
	if n != 0 && per > math.MaxUint64/n {
		return math.MaxUint64
	}
	all := per * n
	mine := all / uint64(j.shard.total)
	if uint64(j.shard.index) < all%uint64(j.shard.total) {
		mine++
	}
	return mine
}
