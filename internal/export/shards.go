package export

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ShardID is who a shard is: its index of count, and the run it belongs to
// (the same key in every shard of one run). It is written under
// sonde.shard in each shard's summary.
type ShardID struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	Run   string `json:"run"`
}

// checkShards refuses a merge that would count records twice, mix runs or
// overwrite an input: a folder given twice, the same run (benchmark id)
// twice, two shards with one index, shards of different runs, or an
// output folder that is one of the inputs. Missing shards are refused
// unless allowPartial, when the merge warns instead.
func checkShards(shards []*RunDir, out Files, allowPartial bool) (warnings []string, err error) {
	outAbs := absPath(out.Dir)
	seenDir, seenID := map[string]string{}, map[string]string{}
	byIndex := map[int]string{}
	var first *ShardID
	firstDir := ""
	for _, d := range shards {
		abs := absPath(d.Dir)
		if abs == outAbs {
			return nil, fmt.Errorf("-o %s is one of the shards: the merge would overwrite it; write it to another folder", out.Dir)
		}
		if other, ok := seenDir[abs]; ok {
			return nil, fmt.Errorf("%s is given twice (as %s too): its records would count twice", d.Dir, other)
		}
		seenDir[abs] = d.Dir
		doc, err := d.Summary()
		if err != nil {
			continue // a shard killed before its summary: its records still merge
		}
		if other, ok := seenID[doc.BenchmarkID]; ok && doc.BenchmarkID != "" {
			return nil, fmt.Errorf("%s and %s are the same run (benchmark_id %s): its records would count twice", other, d.Dir, doc.BenchmarkID)
		}
		seenID[doc.BenchmarkID] = d.Dir
		id := doc.Sonde.Shard
		if id == nil {
			continue
		}
		if first == nil {
			first, firstDir = id, d.Dir
		}
		if id.Run != first.Run || id.Count != first.Count {
			return nil, fmt.Errorf("%s (shard %d of %d, run %s) and %s (shard %d of %d, run %s) are shards of different runs",
				firstDir, first.Index, first.Count, first.Run, d.Dir, id.Index, id.Count, id.Run)
		}
		if other, ok := byIndex[id.Index]; ok {
			return nil, fmt.Errorf("%s and %s are both shard %d: its records would count twice", other, d.Dir, id.Index)
		}
		byIndex[id.Index] = d.Dir
	}
	if first == nil {
		return nil, nil
	}
	var missing []string
	for i := range first.Count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	msg := fmt.Sprintf("shard %s of 0…%d missing: the merge holds %d of the run's %d shards", strings.Join(missing, ", "), first.Count-1, first.Count-len(missing), first.Count)
	if !allowPartial {
		return nil, fmt.Errorf("%s; give every shard, or --allow-partial to merge these and say so", msg)
	}
	return []string{"A partial merge (--allow-partial): " + msg + "."}, nil
}

// absPath is a folder's absolute, symlink-free path, to tell one folder
// named two ways.
func absPath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return filepath.Clean(dir)
}
