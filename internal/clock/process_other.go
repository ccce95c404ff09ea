//go:build !unix

package clock

// OpenFileLimit is unknown here.
func OpenFileLimit() uint64 { return 0 }

// ProcessCPU is unknown here.
func ProcessCPU() int64 { return 0 }
