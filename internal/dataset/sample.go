package dataset

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sonde-bench/sonde/internal/dist"
)

// Stream ids: each random concern draws from its own PCG, so changing one
// (say, the number of turns) never shifts another (say, the prompts).
const (
	StreamTurns uint64 = iota + 1
	StreamISL
	StreamOSL
	StreamDelay
	StreamPrompt
	StreamIDs
	StreamSampler
	StreamArrival
	StreamSession
	StreamAnswers
	StreamShape
	StreamRequestIDs  // the engine's session and request ids
	StreamModels      // --model-selection-strategy random
	StreamTraceSample // --trace-session-sample-ratio
	StreamSynthRoots  // --synthesis-prefix-root-multiplier
)

// NewRand returns the PCG for one stream of a run seed.
func NewRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9E3779B97F4A7C15))
}

// PositiveNormal draws x ~ Normal(mean, stddev) rejection-sampled to x ≥ 0
// (AIPerf's sample_positive_normal); stddev 0 returns mean.
func PositiveNormal(r *rand.Rand, mean, stddev float64) float64 {
	return dist.PositiveNormal(r, mean, stddev)
}

// PositiveNormalInt is ceil(PositiveNormal): AIPerf's
// sample_positive_normal_integer (2.3 → 3, 0.1 → 1).
func PositiveNormalInt(r *rand.Rand, mean, stddev float64) int {
	return int(math.Ceil(PositiveNormal(r, mean, stddev)))
}

// CheckMean rejects a negative mean with AIPerf's message.
func CheckMean(mean float64) error {
	if mean < 0 {
		return fmt.Errorf("Mean value (%.1f) should be greater than 0", mean)
	}
	return nil
}

// UUID4 formats 16 random bytes from r as a version-4 UUID.
func UUID4(r *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	// Hex by hand: fmt was the deepest stack a request goroutine reached
	// (every open stream then kept it) and a few hundred ns per request.
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}

// TraceParent is a W3C traceparent (version 00, sampled) with a trace id
// and a span id of its own, drawn from r: a server's own spans of the
// request join the client's. Neither id is ever all zeros (invalid).
func TraceParent(r *rand.Rand) string {
	var b [24]byte
	for i := 0; i < 24; i += 8 {
		v := r.Uint64() | 1 // never zero: an all-zero id is invalid
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	var s [55]byte
	copy(s[:], "00-")
	hex.Encode(s[3:35], b[0:16])
	s[35] = '-'
	hex.Encode(s[36:52], b[16:24])
	copy(s[52:], "-01")
	return string(s[:])
}
