package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/compare"
	"github.com/sonde-bench/sonde/internal/metrics"
)

// sonde compare: a server 75 ms slower to the first token is a significant
// change (Mann-Whitney on the requests; confidence intervals for repeated
// runs), the --fail-if gates decide the exit code, and two runs of the same
// seeded workload do not differ in their ISL.
func TestCompare(t *testing.T) {
	t.Parallel() // its own runs and folders
	fast, slow := startSim(t, "--ttft", "5ms", "--itl", "1ms"), startSim(t, "--ttft", "80ms", "--itl", "1ms")
	run := func(addr string, extra ...string) string {
		dir := filepath.Join(t.TempDir(), "out")
		args := append([]string{"profile", "-m", "m", "--streaming", "--url", addr, "--concurrency", "4", "--request-count", "24",
			"--osl", "4", "--isl-stddev", "50", "--random-seed", "1", "--ui-type", "none", "--artifact-dir", dir}, extra...)
		if res := runSonde(t, args...); res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		return dir
	}
	a, b := run(fast.addr), run(slow.addr)
	res := runSonde(t, "compare", a, b, "--fail-if", "time_to_first_token.p50>+10%")
	if res.code != exitFailed || !strings.Contains(res.stdout, "FAILS") {
		t.Fatalf("a slower B must fail the gate: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "time_to_first_token.p50 (ms)") || !strings.Contains(res.stdout, "yes (Mann-Whitney") {
		t.Errorf("no significant TTFT change in the table:\n%s", res.stdout)
	}
	if res := runSonde(t, "compare", b, a, "--fail-if", "time_to_first_token.p50>+10%", "--fail-if", "request_error_rate.avg>1"); res.code != 0 {
		t.Errorf("a faster B passes the gates: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, bad := range [][]string{{a, b, "--fail-if", "ttft>10"}, {a, b, "--fail-if", "time_to_first_token.p99>lots"},
		{a, b, "--fail-if", "no_such_metric.avg>1"}, {a, t.TempDir()}} {
		if res := runSonde(t, append([]string{"compare"}, bad...)...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", bad[2:], res.code)
		}
	}
	ra, _ := compare.Load(a)
	rb, _ := compare.Load(run(fast.addr))
	if rows := compare.Compare(ra, rb, []metrics.Headline{{Tag: "input_sequence_length", Stat: "avg"}}); len(rows) != 1 || rows[0].Significant == nil || *rows[0].Significant {
		t.Errorf("the same seeded prompts differ: %+v", rows)
	}

	// Repeated runs: their confidence intervals decide.
	ma, mb := run(fast.addr, "--num-profile-runs", "3"), run(slow.addr, "--num-profile-runs", "3")
	res = runSonde(t, "compare", ma, mb)
	if res.code != 0 || !strings.Contains(res.stdout, "yes (confidence intervals)") {
		t.Errorf("repeated runs: exit %d\n%s", res.code, res.stdout)
	}
}
