package profile

import (
	"fmt"
	"runtime"
)

// clientCPUThreshold is the share above which the client itself may limit
// what it measures.
const clientCPUThreshold = 85

func clientCPUWarning(pct float64, simInProcess bool) string {
	if pct <= clientCPUThreshold {
		return ""
	}
	who := "sonde"
	if simInProcess {
		who = "sonde and its in-process simulator"
	}
	return fmt.Sprintf("%s used %.0f%% of the CPU the process may use (%d cores) during profiling: the client may be limiting the result "+
		"(late sends, late timestamps). Give it more cores, or run the server elsewhere.", who, pct, runtime.GOMAXPROCS(0))
}
