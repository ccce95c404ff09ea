package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/sonde-bench/sonde/internal/dist"
	"github.com/sonde-bench/sonde/internal/media"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// SyntheticOptions shape the generated conversations (AIPerf's flags).
type SyntheticOptions struct {
	// Corpus names the text prompts are cut from (--prompt-corpus).
	Corpus                 string
	Entries                int
	ISLMean                int
	ISLStddev              float64
	OSLMean                int // 0: send no max tokens
	OSLStddev              float64
	TurnMean, TurnStddev   float64
	DelayMean, DelayStddev float64 // ms
	DelayRatio             float64
	Seed                   uint64
	Models                 []string // assigned round robin by global turn counter
	RandomModels           bool     // drawn uniformly instead (--model-selection-strategy random)
	// Answers adds a pre-canned reply to every turn, of the turn's max tokens
	// (or its ISL when no limit is set).
	Answers bool
	// SeqDist, when set, draws each turn's (ISL, OSL) pair instead.
	SeqDist *SeqDist
	// ISLDist and OSLDist, when set, draw the ISL or the OSL instead of
	// the mean and stddev (--isl-distribution, --osl-distribution).
	ISLDist, OSLDist *dist.Dist
	// PrefixPool prefixes of PrefixLength tokens; one starts each
	// conversation's first turn, additive to its ISL.
	PrefixPool, PrefixLength int
	// SharedSystem is the length of one system prompt shared by every
	// conversation; UserContext that of a context unique to each
	// conversation, starting its first turn.
	SharedSystem, UserContext int
	// Batch is the number of prompts per request (completions, embeddings).
	Batch int
	// Rankings, when set, makes each turn a query with its passages.
	Rankings *RankingsShape
	// Images, when enabled, gives every turn its images (--image-*), drawn
	// from the seed's stream of their own: text and images do not shift
	// each other.
	Images *ImageSpec
	// Audio, when enabled, gives every turn its clips (--audio-*).
	Audio *AudioSpec
	// Video, when enabled, gives every turn its videos (--video-*).
	Video *VideoSpec
}

// VideoSpec is the videos of each turn (media's).
type VideoSpec = media.VideoSpec

// AudioSpec is the audio clips of each turn (media's).
type AudioSpec = media.AudioSpec

// ImageSpec is the images of each turn (media's, named here so that
// callers describe a dataset without knowing how images are made).
type ImageSpec = media.ImageSpec

// RankingsShape sizes a ranking request: its query, and how many passages
// of how many tokens (AIPerf's --rankings-* flags).
type RankingsShape struct {
	QueryMean, QueryStddev     float64
	PassagesMean, PassagesStd  float64
	PassageMean, PassageStddev float64
}

// Synthetic generates opts.Entries conversations. Turns per conversation are
// ceil(Normal(mean, stddev)) ≥ 1; turn k ≥ 2 waits
// ceil(truncNormal(delay mean, stddev)) × ratio ms; each user turn has
// ceil(Normal(ISL)) ≥ 1 tokens exactly; each turn requests ceil(Normal(OSL)).
func Synthetic(opts SyntheticOptions, tok tokenizer.Tokenizer) ([]Conversation, error) {
	for _, m := range []float64{opts.TurnMean, float64(opts.ISLMean), float64(opts.OSLMean), opts.DelayMean} {
		if err := CheckMean(m); err != nil {
			return nil, err
		}
	}
	gen, err := NewPromptGenFor(tok, opts.Corpus)
	if err != nil {
		return nil, err
	}
	g := &synth{opts: opts, gen: gen, turns: NewRand(opts.Seed, StreamTurns), isl: NewRand(opts.Seed, StreamISL),
		osl: NewRand(opts.Seed, StreamOSL), delay: NewRand(opts.Seed, StreamDelay), prompt: NewRand(opts.Seed, StreamPrompt),
		ids: NewRand(opts.Seed, StreamIDs), answer: NewRand(opts.Seed, StreamAnswers), shape: NewRand(opts.Seed, StreamShape)}
	if opts.RandomModels {
		g.models = NewRand(opts.Seed, StreamModels)
	}
	var prefixes []string
	for range opts.PrefixPool {
		p, err := gen.Prompt(g.shape, opts.PrefixLength)
		if err != nil {
			return nil, err
		}
		prefixes = append(prefixes, p)
	}
	system := ""
	if opts.SharedSystem > 0 {
		if system, err = gen.Prompt(g.shape, opts.SharedSystem); err != nil {
			return nil, err
		}
	}
	mp, err := newMediaPlan(opts)
	if err != nil {
		return nil, err
	}
	convs := make([]Conversation, opts.Entries)
	for i := range convs {
		n := max(PositiveNormalInt(g.turns, opts.TurnMean, opts.TurnStddev), 1)
		c := Conversation{ID: UUID4(g.ids), Turns: make([]Turn, n), System: system, SystemTokens: opts.SharedSystem}
		var lead []string // what starts the first turn: a pooled prefix, a user context
		prefix := ""
		if len(prefixes) > 0 {
			prefix = prefixes[g.shape.IntN(len(prefixes))]
			lead = append(lead, prefix)
		}
		if opts.UserContext > 0 {
			ctx, err := gen.Prompt(g.shape, opts.UserContext)
			if err != nil {
				return nil, err
			}
			lead = append(lead, ctx)
		}
		for k := range c.Turns {
			if err := g.turn(&c.Turns[k], k, lead); err != nil {
				return nil, err
			}
			mp.turn()
		}
		if prefix != "" && opts.Rankings == nil {
			c.Turns[0].Prefix, c.Turns[0].PrefixTokens = prefix, opts.PrefixLength
		}
		convs[i] = c
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("dataset: --num-dataset-entries must be at least 1")
	}
	return convs, mp.attach(convs)
}

// mediaPlan draws every turn's images and clips as the turns are drawn,
// then makes them all at once, on every core.
type mediaPlan struct {
	opts   SyntheticOptions
	images *media.Maker
	plans  []media.Planned // every turn's images, in turn order
	audio  *media.AudioMaker
	clips  []media.PlannedAudio
	video  *media.VideoMaker
	videos []media.PlannedVideo
}

func newMediaPlan(opts SyntheticOptions) (*mediaPlan, error) {
	mp := &mediaPlan{opts: opts}
	var err error
	if opts.Images.Enabled() {
		if mp.images, err = media.NewMaker(*opts.Images, opts.Seed); err != nil {
			return nil, err
		}
	}
	if opts.Audio.Enabled() {
		if mp.audio, err = media.NewAudioMaker(*opts.Audio, opts.Seed); err != nil {
			return nil, err
		}
	}
	if opts.Video.Enabled() {
		if mp.video, err = media.NewVideoMaker(*opts.Video, opts.Seed); err != nil {
			return nil, err
		}
	}
	return mp, nil
}

// turn draws the next turn's media.
func (mp *mediaPlan) turn() {
	if mp.images != nil {
		mp.plans = append(mp.plans, mp.images.Turn()...)
	}
	if mp.audio != nil {
		mp.clips = append(mp.clips, mp.audio.Turn()...)
	}
	if mp.video != nil {
		mp.videos = append(mp.videos, mp.video.Turn()...)
	}
}

// attach makes the media drawn and gives each turn its own.
func (mp *mediaPlan) attach(convs []Conversation) error {
	if mp.images != nil {
		made, err := media.Render(mp.plans, runtime.GOMAXPROCS(0))
		if err != nil {
			return err
		}
		attach(convs, made, mp.opts.Images.Batch, func(t *Turn, m []media.Image) { t.Images = m })
	}
	if mp.audio != nil {
		made, err := media.RenderAudio(mp.clips, runtime.GOMAXPROCS(0))
		if err != nil {
			return err
		}
		attach(convs, made, mp.opts.Audio.Batch, func(t *Turn, m []media.Audio) { t.Audios = m })
	}
	if mp.video != nil {
		made, err := mp.video.RenderVideos(mp.videos, runtime.GOMAXPROCS(0))
		if err != nil {
			return err
		}
		attach(convs, made, mp.opts.Video.Batch, func(t *Turn, m []media.Video) { t.Videos = m })
	}
	return nil
}

// attach gives each turn its batch of what was made, in the order it was
// drawn.
func attach[T any](convs []Conversation, made []T, batch int, set func(*Turn, []T)) {
	for i := range convs {
		for k := range convs[i].Turns {
			set(&convs[i].Turns[k], made[:batch:batch])
			made = made[batch:]
		}
	}
}

// synth draws synthetic conversations, each quantity from its own stream.
type synth struct {
	opts                                               SyntheticOptions
	gen                                                *PromptGen
	turns, isl, osl, delay, prompt, ids, answer, shape *rand.Rand
	models                                             *rand.Rand // nil: round robin
	counter                                            int        // turns drawn so far, for the model round robin
}

// lengths draws a turn's ISL and OSL (0: no limit) from their flags.
func (g *synth) lengths() (isl, osl int) {
	opts := g.opts
	if opts.ISLDist != nil {
		isl = min(max(opts.ISLDist.Sample(g.isl), 1), MaxPromptTokens) // a long tail is cut where a flag would be
	} else {
		isl = max(PositiveNormalInt(g.isl, float64(opts.ISLMean), opts.ISLStddev), 1)
	}
	switch {
	case opts.OSLDist != nil:
		osl = min(max(opts.OSLDist.Sample(g.osl), 1), MaxPromptTokens)
	case opts.OSLMean > 0:
		osl = max(PositiveNormalInt(g.osl, float64(opts.OSLMean), opts.OSLStddev), 1)
	}
	return isl, osl
}

// turn fills turn k: model, lengths, text (after lead on the first turn),
// batch prompts, pre-canned answer and think time.
func (g *synth) turn(t *Turn, k int, lead []string) (err error) {
	opts := g.opts
	if len(opts.Models) > 0 {
		t.Model = pickModel(opts.Models, g.counter, g.models)
	}
	g.counter++
	if opts.SeqDist != nil {
		t.Tokens, t.MaxTokens = opts.SeqDist.Sample(g.isl)
	} else {
		t.Tokens, t.MaxTokens = g.lengths()
	}
	if opts.Rankings != nil {
		return g.ranking(t)
	}
	if k == 0 && len(lead) > 0 {
		if t.Text, t.Tokens, err = g.gen.WithLead(g.prompt, lead, t.Tokens); err != nil {
			return err
		}
	} else if t.Text, err = g.gen.Prompt(g.prompt, t.Tokens); err != nil {
		return err
	}
	for b := 1; b < opts.Batch; b++ {
		extra, err := g.gen.Prompt(g.prompt, t.Tokens)
		if err != nil {
			return err
		}
		t.Batch = append(t.Batch, extra)
		t.BatchTokens += t.Tokens
	}
	if opts.Answers {
		t.AnswerTokens = t.MaxTokens
		if t.AnswerTokens == 0 {
			t.AnswerTokens = t.Tokens
		}
		if t.Answer, err = g.gen.Prompt(g.answer, t.AnswerTokens); err != nil {
			return err
		}
	}
	if k > 0 && opts.DelayMean > 0 {
		ms := math.Ceil(PositiveNormal(g.delay, opts.DelayMean, opts.DelayStddev)) * opts.DelayRatio
		t.Delay = time.Duration(ms * float64(time.Millisecond))
	}
	return nil
}

// ranking fills a turn with a query (its text) and passages (its batch).
func (g *synth) ranking(t *Turn) (err error) {
	r := g.opts.Rankings
	t.Tokens, t.MaxTokens = max(PositiveNormalInt(g.isl, r.QueryMean, r.QueryStddev), 1), 0
	if t.Text, err = g.gen.Prompt(g.prompt, t.Tokens); err != nil {
		return err
	}
	n := max(int(math.Round(r.PassagesMean+r.PassagesStd*g.shape.NormFloat64())), 1)
	for range n {
		tokens := max(PositiveNormalInt(g.isl, r.PassageMean, r.PassageStddev), 1)
		p, err := g.gen.Prompt(g.prompt, tokens)
		if err != nil {
			return err
		}
		t.Batch = append(t.Batch, p)
		t.BatchTokens += tokens
	}
	return nil
}
