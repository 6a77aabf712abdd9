package gotest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simlab-go/simlab/guest/gotest"
)

func TestBuildListRun(t *testing.T) {
	ctx := context.Background()
	b, err := gotest.Build(ctx, "../testdata/basics", "")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Patched || b.ImportPath != "basics" || len(b.Hash) != 64 {
		t.Errorf("built %+v", b)
	}
	again, err := gotest.Build(ctx, "../testdata/basics", "")
	if err != nil || again.Hash != b.Hash || again.Path != b.Path {
		t.Errorf("a second build of the same package gave %+v (%v), want the same binary %s", again, err, b.Hash)
	}
	s, err := gotest.Open(ctx, b.Path, b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	tests, err := s.Tests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"TestSleepy", "TestTimers", "TestBusy", "TestFiles", "TestFlaky", "TestPanic", "TestBlocked", "TestSpin"}
	if !slices.Equal(tests, want) {
		t.Errorf("tests %v, want %v", tests, want)
	}
	// Some seed fails TestFlaky, with the test's own message, and every
	// run of that seed fails the same way.
	var failed *gotest.Outcome
	for seed := uint64(1); seed <= 40 && failed == nil; seed++ {
		o, err := s.Run(ctx, "TestFlaky", seed, gotest.RunOptions{Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Passed() {
			failed = o
		}
	}
	if failed == nil || failed.Verdict != "fail" || !strings.HasSuffix(failed.Message, ": drew three") {
		t.Fatalf("TestFlaky at seeds 1-40: %+v, want a failure saying drew three", failed)
	}
	o, _ := s.Run(ctx, "TestFlaky", failed.Seed, gotest.RunOptions{Timeout: time.Minute})
	if o.Message != failed.Message || o.Fingerprint != failed.Fingerprint || string(o.Output) != string(failed.Output) {
		t.Errorf("seed %d replayed differently: %+v", failed.Seed, o)
	}
	// The test's own timeout is reported as such, in virtual time.
	for seed := uint64(1); seed <= 40; seed++ {
		o, _ := s.Run(ctx, "TestBlocked", seed, gotest.RunOptions{Timeout: 30 * time.Second})
		if o.Passed() {
			continue
		}
		if o.Verdict != "timeout" || !strings.Contains(o.Message, "test timed out after 30s") || !strings.Contains(o.Detail, "TestBlocked") {
			t.Errorf("seed %d: %s: %s\n%s", seed, o.Verdict, o.Message, o.Detail)
		}
		if o.Wall > 5*time.Second {
			t.Errorf("30 s of waiting took %v", o.Wall)
		}
		return
	}
	t.Error("TestBlocked blocked at none of seeds 1-40")
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	_, err := gotest.Build(ctx, "../testdata/nobuild", "")
	var be *gotest.BuildError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "undefinedOnPurpose") {
		t.Errorf("a package that does not compile: %v", err)
	}
	if _, err := gotest.Build(ctx, "../testdata/no-such-dir", ""); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a directory that does not exist: %v", err)
	}
}
