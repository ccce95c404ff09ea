//go:build !unix

package profile

func openFileLimit() uint64 { return 0 }

func cpuTime() int64 { return 0 }
