package barrier

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a barrier in a folder every shard mounts (the run's
// ReadWriteMany volume on Kubernetes): each shard writes shard_<i>.json
// whole (a temporary file renamed), and reads the others'.
type Dir string

func (d Dir) String() string { return string(d) }

// Announce writes this shard's file.
func (d Dir) Announce(_ context.Context, e Entry) error {
	if err := os.MkdirAll(string(d), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	path := filepath.Join(string(d), fmt.Sprintf("shard_%d.json", e.Index))
	tmp := path + ".part"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Entries reads every shard's file; one that does not parse is an error
// naming it (something else writes into the folder).
func (d Dir) Entries(_ context.Context) ([]Entry, error) {
	des, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if !strings.HasPrefix(name, "shard_") || !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(string(d), name))
		if err != nil {
			return nil, err
		}
		var e Entry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(string(d), name), err)
		}
		out = append(out, e)
	}
	return out, nil
}
