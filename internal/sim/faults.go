package sim

import (
	"fmt"
	"time"
)

// Faults are injected failures, each a percentage of requests, decided per
// request by a hash of (seed, request number): the same seed gives the same
// sequence of faults.
type Faults struct {
	ErrorRate      float64 // answered at once with one of Codes and an OpenAI error body
	Codes          []int
	DisconnectRate float64       // the connection is cut halfway through the answer
	MalformedRate  float64       // an invalid JSON chunk is sent halfway through
	StallRate      float64       // no bytes for Stall halfway through
	Stall          time.Duration //
	ReadyDelay     time.Duration // 503 on every endpoint until this long after start
}

// Validate checks the rates add up.
func (f *Faults) Validate() error {
	if sum := f.ErrorRate + f.DisconnectRate + f.MalformedRate + f.StallRate; sum > 100 {
		return fmt.Errorf("fault rates add up to %g%%, more than 100%%", sum)
	}
	if f.ErrorRate > 0 && len(f.Codes) == 0 {
		return fmt.Errorf("error-rate needs error-codes")
	}
	if f.StallRate > 0 && f.Stall <= 0 {
		return fmt.Errorf("stall-rate needs a stall duration")
	}
	return nil
}

// Fault kinds.
const (
	FaultNone = iota
	FaultError
	FaultDisconnect
	FaultMalformed
	FaultStall
)

// Decide returns the fault for request number n (and the status for
// FaultError).
func (f *Faults) Decide(seed, n uint64) (kind, code int) {
	h := splitmix(seed ^ splitmix(n))
	u := float64(h>>11) / (1 << 53) * 100
	switch {
	case u < f.ErrorRate:
		return FaultError, f.Codes[int(h%uint64(len(f.Codes)))]
	case u < f.ErrorRate+f.DisconnectRate:
		return FaultDisconnect, 0
	case u < f.ErrorRate+f.DisconnectRate+f.MalformedRate:
		return FaultMalformed, 0
	case u < f.ErrorRate+f.DisconnectRate+f.MalformedRate+f.StallRate:
		return FaultStall, 0
	}
	return FaultNone, 0
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}
