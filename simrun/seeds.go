package simrun

import (
	"fmt"
	"strconv"
	"strings"
)

// seedRange is an inclusive range of seeds.
type seedRange struct{ first, last uint64 }

func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a non-negative integer")
	}
	return v, nil
}

// parseSeeds reads "N" (seeds 1 to N) or "A-B" (A to B inclusive).
func parseSeeds(s string) (seedRange, error) {
	const form = "want N (seeds 1 to N) or A-B (seeds A to B inclusive), e.g. -seeds 1000 or -seeds 500-999"
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil || n == 0 {
			return seedRange{}, fmt.Errorf("%s", form)
		}
		return seedRange{1, n}, nil
	}
	first, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
	last, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil {
		return seedRange{}, fmt.Errorf("%s", form)
	}
	if last < first {
		return seedRange{}, fmt.Errorf("the range ends (%d) before it starts (%d); %s", last, first, form)
	}
	return seedRange{first, last}, nil
}

// shard selects every n-th run of a sweep, starting at index i.
type shard struct{ index, total int }

// parseShard reads -shard i/n, or else the standard test-sharding variables
// TEST_SHARD_INDEX and TEST_TOTAL_SHARDS. When TEST_SHARD_STATUS_FILE is set
// it is touched, telling the runner that sharding is supported.
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
	if idx == "" && tot == "" {
		return shard{0, 1}, nil
	}
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
