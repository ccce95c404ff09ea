// Package plantest resolves plans from command lines, for the tests of the
// packages that take a plan (client, output, profile).
package plantest

import (
	"testing"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan"
)

// Flags parses args as `sonde profile` flags (after "-m m"), as the CLI
// does.
func Flags(t testing.TB, args ...string) *config.Profile {
	t.Helper()
	var c struct {
		Profile config.Profile `cmd:""`
	}
	parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("exit") }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse(append([]string{"profile", "-m", "m"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ctx.Path {
		if p.Flag != nil && p.Flag.Name == "output-artifact-dir" {
			c.Profile.ArtifactDirSet = true
		}
	}
	return &c.Profile
}

// Resolve resolves args into a plan whose files go under a folder of the
// test's; the plan is closed with the test. The tokenizer is looked up
// offline.
func Resolve(t testing.TB, args ...string) (*plan.Plan, error) {
	t.Helper()
	t.Setenv("HF_HUB_OFFLINE", "1")
	pl, err := plan.Resolve(plan.Env{Args: args, Dir: t.TempDir(), Version: "test"}, Flags(t, args...))
	if err == nil {
		t.Cleanup(pl.Close)
	}
	return pl, err
}

// Must is Resolve, failing the test on an error.
func Must(t testing.TB, args ...string) *plan.Plan {
	t.Helper()
	pl, err := Resolve(t, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return pl
}
