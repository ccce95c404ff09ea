package clock

import "runtime"

// CPUShare is the share of the CPU the process may use that it used
// between two ProcessCPU readings wallNs apart, in percent; 0 when unknown.
func CPUShare(cpuNs, wallNs int64) float64 {
	if cpuNs <= 0 || wallNs <= 0 {
		return 0
	}
	return float64(cpuNs) / float64(wallNs) / float64(runtime.GOMAXPROCS(0)) * 100
}
