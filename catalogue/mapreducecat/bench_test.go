package mapreducecat

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/simlab-go/simlab/scenarios"
)

// mrBenchParams is the job the benchmarks time: word count over 64 KiB of
// generated text in 32 splits, R=8, CPU model at 100 ms per KiB.
var mrBenchParams = map[string]string{"splits": "32", "split-bytes": "2048", "reduces": "8"}

// mrTimed runs run in a scenario with the benchmark's parameters plus
// extra, and fails tb if the run does.
func mrTimed(tb testing.TB, seed uint64, extra map[string]string, params []scenarios.Param, run func(*scenarios.Case)) {
	tb.Helper()
	opts := scenarios.Options{Params: maps.Clone(mrBenchParams), TraceTail: -1}
	maps.Copy(opts.Params, extra)
	s := scenarios.Scenario{Name: "bench/mapreduce", Summary: "a timed job", Params: params, Run: run}
	out, err := scenarios.RunScenario(s, seed, opts)
	if err != nil || !out.Passed {
		tb.Fatalf("seed %d, %v: %v %v", seed, extra, err, out.Failures)
	}
}

// mrJobTime is the virtual completion time of word count without faults
// on the given number of workers.
func mrJobTime(tb testing.TB, seed uint64, workers int) time.Duration {
	var doneAt time.Duration
	mrTimed(tb, seed, map[string]string{"workers": fmt.Sprint(workers)}, mrParams, func(c *scenarios.Case) {
		mc := newMRCluster(c, mrCat{}.setup(c, "wc"))
		mc.finish(c, time.Hour)
		doneAt = mc.coordinator().DoneAt()
	})
	return doneAt
}

// BenchmarkMapReduceWorkers reports the job's virtual completion time on
// 1, 2, 4 and 8 workers without faults, and the speed-up over one worker
// on the same seeds.
func BenchmarkMapReduceWorkers(b *testing.B) {
	one := map[uint64]time.Duration{} // one worker's time, by seed
	for _, workers := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var total, base time.Duration
			for i := 0; i < b.N; i++ {
				seed := uint64(i + 1)
				t := mrJobTime(b, seed, workers)
				if _, ok := one[seed]; !ok {
					b.StopTimer()
					one[seed] = mrJobTime(b, seed, 1)
					b.StartTimer()
				}
				total += t
				base += one[seed]
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "virtual-s/job")
			b.ReportMetric(base.Seconds()/total.Seconds(), "speedup")
		})
	}
}

// TestMapReduceSpeedup holds the 8-worker speed-up to at least 6×.
func TestMapReduceSpeedup(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		one, eight := mrJobTime(t, seed, 1), mrJobTime(t, seed, 8)
		t.Logf("seed %d: 1 worker %v, 8 workers %v: %.2f×", seed, one, eight, one.Seconds()/eight.Seconds())
		if one < 6*eight {
			t.Errorf("seed %d: 8 workers took %v, one %v: a speed-up of %.2f; want at least 6", seed, eight, one, one.Seconds()/eight.Seconds())
		}
	}
}

// mrStragglerTimes runs mapreduce/stragglers' two jobs (one worker
// slowdown times slower, without and with backup tasks) on workers workers
// and returns both completion times.
func mrStragglerTimes(tb testing.TB, seed uint64, workers int) (without, with time.Duration) {
	params := append(append([]scenarios.Param{}, mrParams...), scenarios.Param{Name: "slowdown", Default: "10", Doc: ""})
	mrTimed(tb, seed, map[string]string{"workers": fmt.Sprint(workers)}, params, func(c *scenarios.Case) {
		without, with = mrCat{}.stragglerTimes(c)
	})
	return without, with
}

// BenchmarkMapReduceStragglers reports the job's virtual completion time
// with one worker 10× slower, without and with backup tasks, as the paper
// did for sort (section 5.3).
func BenchmarkMapReduceStragglers(b *testing.B) {
	for _, workers := range []int{4, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var without, with time.Duration
			for i := 0; i < b.N; i++ {
				wo, wi := mrStragglerTimes(b, uint64(i+1), workers)
				without += wo
				with += wi
			}
			b.ReportMetric(without.Seconds()/float64(b.N), "virtual-s/job-without-backups")
			b.ReportMetric(with.Seconds()/float64(b.N), "virtual-s/job-with-backups")
			b.ReportMetric(without.Seconds()/with.Seconds(), "speedup")
		})
	}
}

// TestStragglerBackupTimes logs what backup tasks buy with one straggler,
// as the scenario mapreduce/stragglers checks.
func TestStragglerBackupTimes(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		without, with := mrStragglerTimes(t, seed, 8)
		t.Logf("seed %d, 8 workers, one 10× slower: %v without backup tasks, %v with (%.0f%% less)", seed, without, with, 100*(1-with.Seconds()/without.Seconds()))
		if with > without/2 {
			t.Errorf("seed %d: %v with backups, %v without; want at most half", seed, with, without)
		}
	}
}
