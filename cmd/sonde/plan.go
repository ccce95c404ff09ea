package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/study"
)

// planCmd is `sonde plan --twin FILE --slo SPEC (--target-rate R |
// --target-users U) [profile flags]`: the capacity search, its probes
// predicted against the twin, and the replicas a target needs. Like
// predict, its arguments are read as a profile command line (planArgs).
type planCmd struct {
	Twin        string   `required:"" placeholder:"FILE" help:"The twin (sonde fit's YAML)."`
	SLO         string   `placeholder:"TAG:MS ..." help:"The SLOs, as --goodput writes them: time_to_first_token, inter_token_latency, request_latency (ms); or the capacity search's --ttft-sla-ms, --itl-sla-ms, --e2e-sla-ms. --slo-attainment-fraction sets the share of requests that must meet them (0.95: p95; 0.99: p99)."`
	TargetRate  float64  `placeholder:"RPS" help:"The request rate to serve: the search is over request rate, up to it."`
	TargetUsers int      `placeholder:"N" help:"The concurrent users to serve: the search is over concurrency, up to it."`
	Args        []string `arg:"" optional:"" passthrough:"" help:"sonde profile's flags for the workload."`
}

func (c *planCmd) Run(e env) error {
	return usageError{Err: errors.New("sonde plan runs through sonde profile's flags: sonde plan --twin twin.yaml --slo 'time_to_first_token:500' --target-rate 20 --model M …")}
}

// planTarget is what sonde plan was asked to serve.
type planTarget struct {
	rate  float64
	users int
}

// slaFlags maps an SLO's metric to the capacity search's flag.
var slaFlags = map[string]string{"time_to_first_token": "--ttft-sla-ms", "ttft": "--ttft-sla-ms", "inter_token_latency": "--itl-sla-ms",
	"itl": "--itl-sla-ms", "tpot": "--itl-sla-ms", "request_latency": "--e2e-sla-ms", "e2e": "--e2e-sla-ms"}

// planArgs makes `sonde plan …` into `sonde predict`'s profile command
// line: the SLOs as the search's SLA flags, the search over the target's
// dimension up to the target (unless a range is given), and a bounded
// probe (two virtual minutes) unless the workload has its own budget.
func planArgs(args []string) (twin string, target planTarget, out []string, err error) {
	if len(args) == 0 || args[0] != "plan" || slices.Contains(args, "--help") || slices.Contains(args, "-h") {
		return "", target, args, nil
	}
	own, flags := takeFlags(args[1:], "--twin", "--slo", "--target-rate", "--target-users")
	twin, slo, rate, users := own["--twin"], own["--slo"], own["--target-rate"], own["--target-users"]
	rest := append([]string{"profile"}, flags...)
	if twin == "" || (rate == "") == (users == "") {
		return "", target, nil, errors.New("sonde plan: --twin FILE and one of --target-rate RPS or --target-users N are required")
	}
	for _, kv := range strings.Fields(slo) {
		tag, ms, ok := strings.Cut(kv, ":")
		flag := slaFlags[tag]
		if !ok || flag == "" {
			return "", target, nil, fmt.Errorf("sonde plan: --slo %q: want TAG:MS with TAG one of time_to_first_token, inter_token_latency, request_latency", kv)
		}
		rest = append(rest, flag, ms)
	}
	given := func(prefix string) bool {
		return slices.ContainsFunc(rest, func(a string) bool { return strings.HasPrefix(a, prefix) })
	}
	if rate != "" {
		if target.rate, err = strconv.ParseFloat(rate, 64); err != nil || target.rate <= 0 {
			return "", target, nil, fmt.Errorf("sonde plan: --target-rate %q: want a positive rate", rate)
		}
		if !given("--request-rate-m") {
			rest = append(rest, "--request-rate-min", strconv.FormatFloat(target.rate/64, 'g', 4, 64), "--request-rate-max", rate)
		}
	} else {
		if target.users, err = strconv.Atoi(users); err != nil || target.users < 1 {
			return "", target, nil, fmt.Errorf("sonde plan: --target-users %q: want a positive count", users)
		}
		if !given("--concurrency-m") {
			rest = append(rest, "--concurrency-min", "1", "--concurrency-max", users)
		}
	}
	if !given("--request-count") && !given("--benchmark-duration") && !given("--conversation-num") && !given("--num-conversations") {
		rest = append(rest, "--benchmark-duration", "120")
	}
	return twin, target, rest, nil
}

// planReport reads the search's answer and says what the target needs:
// the capacity of one replica and ⌈target / capacity⌉ replicas
// (twin_plan.json beside search_result.json).
func planReport(e env, dir string, target planTarget) error {
	res, err := study.ReadSearch(dir)
	if err != nil {
		return err
	}
	want := target.rate
	if target.users > 0 {
		want = float64(target.users)
	}
	out := map[string]any{"parameter": res.Parameter, "target": want, "capacity_per_replica": res.Answer, "note": res.Note}
	switch {
	case res.Answer == nil || *res.Answer <= 0:
		fmt.Fprintf(e.Stdout, "\nsonde | Plan: no load of %s meets the SLOs on one replica: %s\n", res.Parameter, res.Note)
	default:
		n := int(math.Ceil(want / *res.Answer))
		out["replicas"] = n
		fmt.Fprintf(e.Stdout, "\nsonde | Plan: one replica holds %s %v under the SLOs (predicted by the twin); %v needs %d replica(s)\n",
			res.Parameter, *res.Answer, want, n)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return os.WriteFile(filepath.Join(study.SearchDir(dir), "twin_plan.json"), append(b, '\n'), 0o644)
}

// planCommand runs sonde plan: the capacity search with every probe
// predicted, then the report.
func planCommand(e env, p *config.Profile, given map[string]bool, twinPath string, target planTarget) error {
	e, err := twinEnv(e, p, twinPath, "plan")
	if err != nil {
		return err
	}
	p.MarkGiven(given)
	if !p.Searching() {
		return usageError{Err: errors.New("sonde plan: the SLOs are missing (--slo TAG:MS …, or --ttft-sla-ms, --itl-sla-ms, --e2e-sla-ms)")}
	}
	dir, err := study.Run(e, p)
	if err != nil {
		return err
	}
	return planReport(e, dir, target)
}
