package plan

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/schedule"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// load is the load shape and the budgets, derived from the flags.
type load struct {
	concurrency int
	rate        float64
	sessionRate bool // rate starts sessions only
	users       int
	userGap     time.Duration
	maxSessions int
	maxRequests int
	duration    time.Duration
	grace       time.Duration
}

func planOf(p *config.Profile) load {
	var pl load
	if p.Concurrency != nil {
		pl.concurrency = *p.Concurrency
	}
	if p.RequestRate != nil {
		pl.rate = *p.RequestRate
	}
	if pts, err := schedule.ParseSeries(p.RequestRateSeries); err == nil && p.RequestRate == nil {
		pl.rate = schedule.PeakRate(pts) // the series is drawn at its peak rate
	}
	if p.SessionArrivalRate != nil {
		pl.rate, pl.sessionRate = *p.SessionArrivalRate, true
	}
	if p.UserCentricRate != nil && p.NumUsers != nil {
		pl.users = *p.NumUsers
		pl.userGap = time.Duration(float64(*p.NumUsers) / *p.UserCentricRate * float64(time.Second))
	}
	if pl.rate == 0 && pl.concurrency == 0 && pl.users == 0 {
		pl.concurrency = 1 // AIPerf: concurrency burst at 1 when neither is set
	}
	switch {
	case p.ConversationNum != nil:
		pl.maxSessions = *p.ConversationNum
	case p.RequestCount != nil:
		pl.maxRequests = *p.RequestCount
	case p.BenchmarkDuration == nil:
		pl.maxRequests = max(10, 2*pl.concurrency, 2*pl.users)
	}
	if p.BenchmarkDuration != nil {
		pl.duration = time.Duration(*p.BenchmarkDuration * float64(time.Second))
		pl.grace = 30 * time.Second
		if p.BenchmarkGracePeriod != nil {
			pl.grace = time.Duration(*p.BenchmarkGracePeriod * float64(time.Second))
		}
	}
	return pl
}

// sessionHeaders are headers that carry the session id besides
// --session-header: X-Session-Affinity with --session-affinity, and
// X-Dynamo-Session-ID with AIPerf's environment switch.
func sessionHeaders(p *config.Profile, getenv func(string) string) []string {
	var h []string
	if p.SessionAffinity {
		h = append(h, "X-Session-Affinity")
	}
	if getenv("AIPERF_HTTP_X_DYNAMO_SESSION_ID_FROM_CORRELATION_ID") == "1" {
		h = append(h, "X-Dynamo-Session-ID")
	}
	return h
}

// replayAnswers replaces the pre-canned answers with those a previous run
// recorded, so this run sends the very prompts that one did.
func replayAnswers(path string, convs []dataset.Conversation, tok tokenizer.Tokenizer, log *slog.Logger) error {
	answers, err := export.LoadOutputs(path)
	if err != nil {
		return err
	}
	used := 0
	for i := range convs {
		for k := range convs[i].Turns {
			if a, ok := answers[export.OutputKey{ConversationID: convs[i].ID, TurnIndex: k}]; ok {
				t := &convs[i].Turns[k]
				t.Answer, t.AnswerTokens = a, len(tok.Encode(a))
				used++
			}
		}
	}
	if used == 0 {
		return fmt.Errorf("--replay-outputs %s: no answer matches this run's conversations (use the same --random-seed and dataset flags)", path)
	}
	log.Info(fmt.Sprintf("Replaying %d recorded answers from %s", used, path))
	return nil
}

func smoothness(p *config.Profile) float64 {
	if p.ArrivalSmoothness != nil {
		return *p.ArrivalSmoothness
	}
	return 1
}

// randomSeed is --random-seed, or fresh entropy; the seed used is recorded
// in the exports so any run can be repeated.
func randomSeed(p *config.Profile) uint64 {
	if p.RandomSeed != nil {
		return uint64(*p.RandomSeed)
	}
	return freshSeed()
}

// freshSeed is a seed from the system's entropy.
func freshSeed() uint64 {
	var b [8]byte
	crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 1
}

// usesBuiltinTokenizer reports a run that will count with the builtin
// tokenizer: asked for, or left to simulators (whose default it is).
func usesBuiltinTokenizer(p *config.Profile) bool {
	if p.Tokenizer != "" {
		return p.Tokenizer == tokenizer.BuiltinName
	}
	for _, u := range p.URL {
		if !strings.HasPrefix(strings.TrimSpace(u), "sim://") {
			return false
		}
	}
	return len(p.URL) > 0
}
