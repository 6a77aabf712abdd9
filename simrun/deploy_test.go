package simrun

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The cluster files the repository ships must stay in step with simrun:
// their command lines must parse, and their shard counts agree.

func TestTheKubernetesJobShardsTheSweep(t *testing.T) {
	data, err := os.ReadFile("../deploy/k8s/sweep-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(data)
	if !strings.Contains(y, "completionMode: Indexed") {
		t.Error("the Job is not an Indexed Job: pods would get no JOB_COMPLETION_INDEX")
	}
	completions := submatch(t, y, `(?m)^\s*completions: (\d+)$`)
	if got := submatch(t, y, `(?s)name: JOB_COMPLETIONS\s+value: "(\d+)"`); got != completions {
		t.Errorf("JOB_COMPLETIONS=%s, spec.completions=%s: every pod would run the wrong part", got, completions)
	}
	args := shellWords(submatch(t, y, `- simrun (.*?);`))
	n, _ := strconv.Atoi(completions)
	for i := 0; i < n; i++ {
		env := map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(i), "JOB_COMPLETIONS": completions}
		c, err := parse(Program{}, args, &bytes.Buffer{}, func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("the Job's command %q: %v", args, err)
		}
		if c.shard != (shard{i, n}) || !c.json {
			t.Errorf("pod %d runs shard %v, json=%v; want %d/%d in -json for the merge", i, c.shard, c.json, i, n)
		}
	}
}

func TestTheWorkflowMatrixShardsTheSweep(t *testing.T) {
	data, err := os.ReadFile("../.github/workflows/sweep.yml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(data)
	matrix := strings.Split(submatch(t, y, `shard: \[([0-9, ]+)\]`), ",")
	total := submatch(t, y, `-shard \$\{\{ matrix.shard \}\}/(\d+)`)
	if strconv.Itoa(len(matrix)) != total {
		t.Errorf("the matrix has %d shards, the command splits into %s", len(matrix), total)
	}
	for i, v := range matrix {
		if strings.TrimSpace(v) != strconv.Itoa(i) {
			t.Errorf("matrix entry %d is %q; want the indexes 0 to %d in order", i, v, len(matrix)-1)
		}
	}
	line := submatch(t, y, `\./simrun-bin (.*?) > shard-`)
	line = strings.NewReplacer(`"${{ inputs.seeds || '1-2000' }}"`, "1-2000", "${{ matrix.shard }}", "1").Replace(line)
	if c, err := parse(Program{}, shellWords(line), &bytes.Buffer{}, func(string) string { return "" }); err != nil || !c.json {
		t.Errorf("the workflow's command %q: %v (json=%v)", line, err, c != nil && c.json)
	}
	if !strings.Contains(y, "simrun -merge shard-*.jsonl") {
		t.Error("the workflow does not merge the shards")
	}
}

func submatch(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", re)
	}
	return m[1]
}

// shellWords splits a command line on spaces, keeping single-quoted words.
func shellWords(s string) []string {
	var words []string
	for _, part := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(s, -1) {
		words = append(words, strings.Trim(part, "'"))
	}
	return words
}
