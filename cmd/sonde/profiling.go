package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// writeHeapProfile writes the allocation profile of the whole run
// (SONDE_MEMPROFILE; go tool pprof -sample_index=alloc_space).
func writeHeapProfile(path string) {
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

// profiled runs f with a CPU profile written to path when path is set
// (SONDE_CPUPROFILE), and an execution trace to tracePath (SONDE_TRACE):
// how sonde's own cost and scheduling are measured (docs/PERFORMANCE.md).
func profiled(path, tracePath string, f func() int) int {
	if tracePath != "" {
		out, err := os.Create(tracePath)
		if err == nil {
			err = trace.Start(out)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "sonde: SONDE_TRACE: %v\n", err)
			return exitUsage
		}
		defer out.Close()
		defer trace.Stop()
	}
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_CPUPROFILE: %v\n", err)
		return exitUsage
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintf(os.Stderr, "sonde: SONDE_CPUPROFILE: %v\n", err)
		return exitUsage
	}
	defer pprof.StopCPUProfile()
	return f()
}
