package plan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
)

// wekaDir writes n weka traces of turns requests: turn k at k·gap seconds,
// with think times of half the gap (--use-think-time-only spans the other
// half).
func wekaDir(t *testing.T, n, turns int, gap float64) string {
	dir := t.TempDir()
	for i := range n {
		var reqs []string
		for k := range turns {
			reqs = append(reqs, fmt.Sprintf(`{"t": %g, "type": "n", "in": 16, "out": 2, "hash_ids": [%d], "think_time": %g}`, gap*float64(k), 10*i+k+1, gap/2))
		}
		body := fmt.Sprintf(`{"id": "t%d", "block_size": 16, "requests": [%s]}`, i, strings.Join(reqs, ","))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("t%d.json", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// An agentic replay's phases: a snapshot warm-up of one turn per lane, at
// the start window's turn, spread by the recorded spans (or at once);
// profiling resumes every lane after it; the cache warm-up hurries.
func TestResolveAgenticReplay(t *testing.T) {
	dir := wekaDir(t, 3, 8, 0.2)
	pl := mustResolve(t, "--url", nowhere, "--input-file", dir, "--custom-dataset-type", "weka_trace", "--concurrency", "2",
		"--trajectory-start-min-ratio", "0.5", "--trajectory-start-max-ratio", "0.5", "--use-think-time-only",
		"--agentic-warmup-grace-period", "3", "--agentic-cache-warmup-duration", "2", "--system-idle-gap-cap-seconds", "0")
	ws := pl.Warmups()
	if len(ws) != 2 {
		t.Fatalf("%d warm-ups, want the snapshot and the cache warm-up", len(ws))
	}
	snap, cache := ws[0], ws[1]
	want := []engine.Lane{{Conv: 0, Next: 4, End: 5}, {Conv: 1, Next: 4, End: 5}}
	if got := snap.Config.Lanes.Pending(); fmt.Sprint(got) != fmt.Sprint(want) || snap.Config.MaxSessions != 2 || snap.Config.Phase != record.PhaseWarmup || snap.Total != 2 {
		t.Fatalf("snapshot lanes %v, config %+v", got, snap.Config)
	}
	// Both warm-up turns took 100 ms in the recording (the 200 ms gap less
	// the 100 ms think time): sent together, cut 3 s after.
	if snap.Cut != 3*time.Second || !strings.Contains(snap.Says, "start turn of each of 2 lanes, sent together") {
		t.Fatalf("cut %v, says %q", snap.Cut, snap.Says)
	}
	if cache.Config.Duration != 2*time.Second || cache.Cut != -1 || !cache.Config.LanesAtOnce || cache.Config.Conversations[0].Turns[3].MaxTokens != 1 || cache.Config.Conversations[0].Turns[3].Delay != 0 {
		t.Fatalf("cache warm-up %+v", cache)
	}
	prof := pl.Profiling()
	if prof.Lanes != cache.Config.Lanes || prof.IdleGapCap != 1 || prof.Fixed || pl.Conversations()[0].Turns[3].MaxTokens != 2 {
		t.Fatalf("profiling %+v", prof)
	}
	resume := []engine.Lane{{Conv: 0, Next: 5, Delay: engine.TurnDelay}, {Conv: 1, Next: 5, Delay: engine.TurnDelay}}
	if got := prof.Lanes.Pending(); fmt.Sprint(got) != fmt.Sprint(resume) {
		t.Fatalf("profiling lanes %v, want %v", got, resume)
	}
}

// The window's draws stay within it, seeded; a trajectory of one turn has
// no warm-up turn; a file whose turns build on answers is refused.
func TestAgenticStartWindow(t *testing.T) {
	dir := wekaDir(t, 6, 10, 0.01)
	starts := func(seed string) string {
		pl := mustResolve(t, "--url", nowhere, "--input-file", dir, "--custom-dataset-type", "weka_trace", "--concurrency", "6", "--random-seed", seed, "--burst-phase-starts")
		var out []int
		for _, l := range pl.Warmups()[0].Config.Lanes.Pending() {
			if l.Next < 2 || l.Next > 7 || l.Delay != 0 {
				t.Fatalf("start %d outside ⌊0.25·10⌋…⌊0.75·10⌋, or delayed %v", l.Next, l.Delay)
			}
			out = append(out, l.Next)
		}
		if !pl.Profiling().LanesAtOnce {
			t.Fatal("--burst-phase-starts: profiling's lanes are delayed")
		}
		return fmt.Sprint(out)
	}
	if a, b := starts("1"), starts("1"); a != b {
		t.Fatalf("seed 1 drew %s, then %s", a, b)
	}
	one := wekaDir(t, 2, 1, 0.01)
	pl := mustResolve(t, "--url", nowhere, "--input-file", one, "--custom-dataset-type", "weka_trace", "--concurrency", "2", "--burst-phase-starts")
	if len(pl.Warmups()) != 0 || len(pl.Profiling().Lanes.Pending()) != 2 {
		t.Fatalf("single turns: %d warm-ups", len(pl.Warmups()))
	}
	multi := writeFile(t, "m.jsonl", `{"session_id": "a", "turns": [{"text": "q1"}, {"text": "q2"}]}`)
	if _, err := resolve(t, "--url", nowhere, "--input-file", multi, "--custom-dataset-type", "multi_turn", "--concurrency", "1", "--burst-phase-starts"); err == nil ||
		!strings.Contains(err.Error(), "carry their whole prompt") {
		t.Fatalf("multi_turn: %v", err)
	}
}

// A trace streams when asked (or when large), its profiling phase reading
// it as it goes, open loop; what needs the whole trace says so.
func TestResolveStreaming(t *testing.T) {
	trace := writeFile(t, "t.jsonl", `{"timestamp": 0, "input_length": 20}`+"\n"+`{"timestamp": 3, "input_length": 20}`+"\n")
	base := []string{"--url", nowhere, "--input-file", trace, "--custom-dataset-type", "mooncake_trace"}
	pl := mustResolve(t, append(base, "--input-streaming", "always", "--output-tokens-mean", "50", "--output-tokens-stddev", "20")...)
	prof := pl.Profiling()
	if prof.Stream == nil || prof.Concurrency != 0 || prof.MaxSessions != 0 || len(pl.Conversations()) != 2 || !says(pl, "Streaming ") {
		t.Fatalf("streamed: %+v", prof)
	}
	// The stream draws the lengths the plan's view (inputs.json) says.
	for range 2 {
		st, err := prof.Stream()
		if err != nil {
			t.Fatal(err)
		}
		var lengths []int
		for c, ok := st.Next(); ok; c, ok = st.Next() {
			lengths = append(lengths, c.Turns[0].MaxTokens)
		}
		if err := st.Close(); err != nil || fmt.Sprint(lengths) != fmt.Sprint([]int{pl.Conversations()[0].Turns[0].MaxTokens, pl.Conversations()[1].Turns[0].MaxTokens}) {
			t.Fatalf("streamed lengths %v, %v; the plan's view %+v", lengths, err, pl.Conversations())
		}
	}
	burst := writeFile(t, "b.csv", "Timestamp,Request tokens,Response tokens\n0,10,2\n1,12,2\n")
	if pl := mustResolve(t, "--url", nowhere, "--input-file", burst, "--custom-dataset-type", "burst_gpt_trace", "--input-streaming", "always"); pl.Profiling().Stream == nil {
		t.Error("a BurstGPT CSV does not stream")
	}
	if pl := mustResolve(t, append(base, "--unsafe-override")...); pl.Profiling().Stream != nil || !says(pl, "--unsafe-override does nothing without --scenario") {
		t.Error("a small trace streams by default, or --unsafe-override alone goes unremarked")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace-session-sample-ratio", "0.5"}, "need the whole trace"},
		{[]string{"--synthesis-prefix-len-multiplier", "2"}, "tree of prefixes"},
		{[]string{"--fixed-schedule-start-offset", "1"}, "start-offset and -end-offset"},
		{[]string{"--no-fixed-schedule"}, "fixed schedule"},
	} {
		_, err := resolve(t, append(append(base, "--input-streaming", "always"), c.args...)...)
		if err == nil || !strings.Contains(err.Error(), "cannot stream") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.args, err)
		}
	}
}
