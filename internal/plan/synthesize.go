package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
)

// SynthesizeOptions are `sonde synthesize agentic-code`'s flags.
type SynthesizeOptions struct {
	Sessions       int
	Output, Config string
	Seed           uint64
	MaxISL, MaxOSL int
	Now            time.Time
}

// agenticManifest is manifest.json: enough to make the same dataset again
// (--config accepts it).
type agenticManifest struct {
	Seed     uint64                `json:"seed"`
	Sessions int                   `json:"num_sessions"`
	Name     string                `json:"config_name"`
	MaxOSL   int                   `json:"max_osl,omitempty"`
	Config   dataset.AgenticConfig `json:"config"`
}

// SynthesizeAgentic writes a coding-agent dataset into a new folder of
// o.Output (<config>_<n>s_seed<seed>_<time>): dataset.jsonl (a mooncake
// trace), manifest.json and quality.json. It returns the folder and the
// trace's block size (what --isl-block-size must say when it is replayed).
func SynthesizeAgentic(o SynthesizeOptions) (string, int, error) {
	cfg, name, err := agenticConfig(o.Config)
	if err != nil {
		return "", 0, UsageError{err}
	}
	if o.MaxISL > 0 {
		cfg.MaxPromptTokens = o.MaxISL
	}
	if o.Sessions < 1 {
		return "", 0, UsageError{fmt.Errorf("--num-sessions must be at least 1, got %d", o.Sessions)}
	}
	rows, err := dataset.SynthesizeAgentic(cfg, o.Sessions, o.Seed, o.MaxOSL)
	if err != nil {
		return "", 0, UsageError{fmt.Errorf("--config %s: %w", o.Config, err)}
	}
	dir := filepath.Join(o.Output, fmt.Sprintf("%s_%ds_seed%d_%s", name, o.Sessions, o.Seed, o.Now.Format("20060102-150405")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, err
	}
	if err := writeRows(filepath.Join(dir, "dataset.jsonl"), rows); err != nil {
		return "", 0, err
	}
	man, _ := json.MarshalIndent(agenticManifest{Seed: o.Seed, Sessions: o.Sessions, Name: name, MaxOSL: o.MaxOSL, Config: cfg}, "", "  ")
	q, _ := json.MarshalIndent(agenticQuality(rows), "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(man, '\n'), 0o644); err != nil {
		return "", 0, err
	}
	return dir, cfg.BlockSize, os.WriteFile(filepath.Join(dir, "quality.json"), append(q, '\n'), 0o644)
}

// agenticConfig reads --config: "default", a config JSON, or a manifest.
func agenticConfig(path string) (dataset.AgenticConfig, string, error) {
	if path == "" || path == "default" {
		return dataset.DefaultAgenticConfig(), "default", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return dataset.AgenticConfig{}, "", fmt.Errorf("--config: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var man struct {
		Config json.RawMessage `json:"config"`
		Name   string          `json:"config_name"`
	}
	if json.Unmarshal(data, &man) == nil && len(man.Config) > 0 {
		data, name = man.Config, man.Name // a manifest: its config again
	}
	cfg := dataset.DefaultAgenticConfig()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, "", fmt.Errorf("--config %s: %v", path, err)
	}
	return cfg, name, nil
}

func writeRows(path string, rows []dataset.MooncakeRow) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// agenticQuality says what the dataset came out as: sessions, turns, the
// first turn's input (the shared layers and L2) and each later turn's.
func agenticQuality(rows []dataset.MooncakeRow) map[string]any {
	sessions, turns := map[string]int{}, len(rows)
	var first, later, out float64
	nFirst := 0
	for _, r := range rows {
		sessions[r.SessionID]++
		out += float64(r.OutputLength)
		if r.Timestamp != nil {
			first += float64(r.InputLength)
			nFirst++
		} else {
			later += float64(r.InputLength)
		}
	}
	q := map[string]any{"sessions": len(sessions), "requests": turns, "mean_turns_per_session": float64(turns) / float64(max(len(sessions), 1)),
		"mean_first_turn_input": first / float64(max(nFirst, 1)), "mean_output": out / float64(max(turns, 1))}
	if n := turns - nFirst; n > 0 {
		q["mean_later_turn_input"] = later / float64(n)
	}
	return q
}
