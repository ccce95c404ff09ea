package proc

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// WriteHeapProfile writes the allocation profile of the whole run
// (SONDE_MEMPROFILE; go tool pprof -sample_index=alloc_space).
func WriteHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_MEMPROFILE: %v\n", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_MEMPROFILE: %v\n", err)
	}
}

// Profiled runs f with a CPU profile written to path when path is set
// (SONDE_CPUPROFILE), and an execution trace to tracePath (SONDE_TRACE):
// how sonde's own cost and scheduling are measured (docs/PERFORMANCE.md).
// A profile that cannot be started is an error, and f does not run.
func Profiled(path, tracePath string, f func() int) (int, error) {
	if tracePath != "" {
		out, err := os.Create(tracePath)
		if err == nil {
			err = trace.Start(out)
		}
		if err != nil {
			return 0, fmt.Errorf("SONDE_TRACE: %w", err)
		}
		defer out.Close()
		defer trace.Stop()
	}
	if path == "" {
		return f(), nil
	}
	out, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("SONDE_CPUPROFILE: %w", err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return 0, fmt.Errorf("SONDE_CPUPROFILE: %w", err)
	}
	defer pprof.StopCPUProfile()
	return f(), nil
}
