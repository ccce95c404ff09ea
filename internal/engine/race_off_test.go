//go:build !race

package engine

// hangBound is how long a phase may take before a test calls it a hang.
const hangBound = 60e9
