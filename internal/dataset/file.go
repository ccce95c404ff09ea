package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// KV is one extra top-level payload field of a turn, its value as JSON.
type KV struct {
	Key   string
	Value json.RawMessage
}

// FileOptions say how to read --input-file.
type FileOptions struct {
	Path      string
	Type      string // single_turn, multi_turn, random_pool, mooncake_trace, inputs_json
	BlockSize int    // mooncake hash-id block size (--isl-block-size)
	Entries   int    // random_pool: conversations to compose
	Seed      uint64
	Models    []string
	// RandomModels picks each turn's model uniformly (seeded), not round
	// robin (--model-selection-strategy random).
	RandomModels bool
	// MaxTokens draws a turn's max tokens when the file gives none (--osl);
	// nil sends no limit.
	MaxTokens func() int
	Tok       tokenizer.Tokenizer
	// SplitTexts keeps a turn's texts apart (embeddings inputs, a ranking's
	// query and passages) instead of joining them into one message.
	SplitTexts bool
	// UUIDAndStrip sends an image whose uuid a session has already sent
	// as its uuid alone (--uuid-and-strip: vLLM's multimodal cache).
	UUIDAndStrip bool
	// Replay shapes a baseten_trace's sessions (--open-loop-*, KV hints,
	// min_tokens).
	Replay Replay
	// Synthesis reshapes a mooncake trace (--synthesis-*); its caps also
	// bound a baseten_trace's and a weka_trace's requests.
	Synthesis Synthesis
	// Weka are a weka_trace's knobs.
	Weka Weka
	// Corpus names the text synthesized prompts are cut from
	// (--prompt-corpus); "" is the format's default: coding for a
	// weka_trace, sonnet otherwise.
	Corpus string
}

// promptGen is the prompt generator of the file's corpus.
func (o FileOptions) promptGen() (*PromptGen, error) {
	name := o.Corpus
	if name == "" && o.Type == "weka_trace" {
		name = "coding" // coding agents' sessions (AIPerf's default for them)
	}
	return NewPromptGenFor(o.Tok, name)
}

// LineError names the file, the line and the field of a bad input.
type LineError struct {
	Path  string
	Line  int
	Field string
	Err   error
}

func (e *LineError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s:%d: field %q: %v", e.Path, e.Line, e.Field, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

// FileTypes are the --custom-dataset-type values sonde reads.
func FileTypes() []string {
	return append([]string{"single_turn", "multi_turn", "random_pool", "mooncake_trace", "inputs_json", "burst_gpt_trace", "bailian_trace", "baseten_trace", "raw_payload", "dag_jsonl", "weka_trace", "sagemaker_data_capture"},
		SpeedBenchTypes()...)
}

// TimestampedTypes are the trace types replayed on their own timestamps
// unless --no-fixed-schedule.
func TimestampedTypes() []string {
	return []string{"mooncake_trace", "burst_gpt_trace", "bailian_trace", "baseten_trace", "weka_trace", "sagemaker_data_capture"}
}

// LoadFile reads conversations from a custom dataset file (spec §4.5).
func LoadFile(o FileOptions) ([]Conversation, error) {
	var convs []Conversation
	var err error
	switch o.Type {
	case "single_turn":
		convs, err = loadSingleTurn(o)
	case "multi_turn":
		convs, err = loadMultiTurn(o)
	case "random_pool":
		convs, err = loadRandomPool(o)
	case "mooncake_trace":
		convs, err = loadMooncake(o)
	case "inputs_json":
		convs, err = loadInputsJSON(o)
	case "burst_gpt_trace":
		convs, err = loadBurstGPT(o)
	case "bailian_trace":
		convs, err = loadBailian(o)
	case "baseten_trace":
		convs, err = loadBaseten(o)
	case "dag_jsonl":
		convs, err = loadDAG(o)
	case "weka_trace":
		convs, err = loadWeka(o)
	case "sagemaker_data_capture":
		convs, err = loadSageMaker(o)
	case "raw_payload":
		convs, err = loadRawPayload(o)
	default:
		if _, _, ok := speedBenchSplit(o.Type); ok {
			convs, err = loadSpeedBench(o)
			break
		}
		return nil, fmt.Errorf("--custom-dataset-type %q is not one of %s", o.Type, strings.Join(FileTypes(), ", "))
	}
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("%s: no conversations in the file", o.Path)
	}
	assignModels(Flatten(convs), o.Models, o.modelRand()) // a DAG's sub-agents too: their turns are shared
	return convs, nil
}

// modelRand is the draw of --model-selection-strategy random; nil for
// round robin.
func (o FileOptions) modelRand() *rand.Rand {
	if !o.RandomModels {
		return nil
	}
	return NewRand(o.Seed, StreamModels)
}

// assignModels gives the turns a file leaves without one a model of the
// --model list: round robin by global turn counter (AIPerf's round_robin
// strategy), or drawn uniformly with r (random).
func assignModels(convs []Conversation, models []string, r *rand.Rand) {
	if len(models) == 0 {
		return
	}
	n := 0
	for i := range convs {
		for k := range convs[i].Turns {
			if convs[i].Turns[k].Model == "" {
				convs[i].Turns[k].Model = pickModel(models, n, r)
			}
			n++
		}
	}
}

// pickModel is the model of the n-th turn: round robin, or drawn with r.
func pickModel(models []string, n int, r *rand.Rand) string {
	if r != nil {
		return models[r.IntN(len(models))]
	}
	return models[n%len(models)]
}

// Limits on what a dataset file may hold, checked as it is read, so that a
// wrong file (--input-file /dev/zero, a binary) is an error, not every byte
// of memory.
const (
	// MaxPromptTokens is the longest prompt or answer a line may ask for
	// (config.MaxPromptTokens for the flags).
	MaxPromptTokens = 10_000_000
	// MaxLine is the longest line of a JSONL file.
	MaxLine = 64 << 20
	// MaxWholeFile is the largest JSON file read whole (inputs.json,
	// ShareGPT).
	MaxWholeFile = 2 << 30
	maxDelayMs   = 30 * 86400 * 1000 // a month between two turns
)

var utf8BOM = []byte("\xef\xbb\xbf")

// eachLine calls fn with every non-blank line of a JSONL file and its
// number. A UTF-8 byte-order mark is skipped; a line that is not UTF-8 or
// is longer than MaxLine is an error naming the file and line.
func eachLine(path string, fn func(line int, data []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--input-file: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var long []byte
	for n := 1; ; n++ {
		data, err := r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) {
			if long = append(long, data...); len(long) > MaxLine {
				return fmt.Errorf("%s:%d: a line longer than %d MiB: not a JSONL file?", path, n, MaxLine>>20)
			}
			data, err = r.ReadSlice('\n')
		}
		if len(long) > 0 {
			data, long = append(long, data...), long[:0]
		}
		if n == 1 {
			data = bytes.TrimPrefix(data, utf8BOM)
		}
		if t := bytes.TrimSpace(data); len(t) > 0 {
			if !utf8.Valid(t) {
				return fmt.Errorf("%s:%d: not valid UTF-8 (convert the file, for example with iconv -t UTF-8)", path, n)
			}
			if ferr := fn(n, bytes.Clone(t)); ferr != nil { // fn may keep it; the reader's buffer moves on
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
}

// readWhole reads a JSON file read whole, up to MaxWholeFile, without its
// byte-order mark; it must be UTF-8.
func readWhole(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxWholeFile+1))
	switch {
	case err != nil:
		return nil, err
	case len(data) > MaxWholeFile:
		return nil, fmt.Errorf("%s is larger than %d GiB: not a dataset?", path, MaxWholeFile>>30)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8 (convert the file, for example with iconv -t UTF-8)", path)
	}
	return data, nil
}

// decodeLine unmarshals one JSON line, naming the field a type error is in.
func decodeLine(path string, line int, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		field := ""
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			field = te.Field
		}
		return &LineError{Path: path, Line: line, Field: field, Err: err}
	}
	return nil
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
