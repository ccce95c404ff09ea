package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

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
	default:
		return nil, fmt.Errorf("--custom-dataset-type %q is not one of single_turn, multi_turn, random_pool, mooncake_trace, inputs_json", o.Type)
	}
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("%s: no conversations in the file", o.Path)
	}
	assignModels(convs, o.Models, o.modelRand())
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

// eachLine calls fn with every non-blank line of a JSONL file and its number.
func eachLine(path string, fn func(line int, data []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--input-file: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		data, err := r.ReadBytes('\n')
		if t := bytes.TrimSpace(data); len(t) > 0 {
			if ferr := fn(n, t); ferr != nil {
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
