package remote

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Selection picks a Hub dataset's files by its layout conventions, so
// that a subset and split of a large repository are fetched alone: files
// under a folder named for the subset (--hf-subset), then those of the
// split (a folder named for it, or a name starting with it: test-00000-
// of-00001.parquet, train.jsonl) — all of them when no file names the
// split (a repository of one split) — and, with First, the first of them
// only (a streamed dataset: its first shard is enough to benchmark with).
type Selection struct {
	Subset, Split string
	First         bool
}

// String is the selection as the cache's key tells it apart.
func (s *Selection) String() string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("#%s/%s/%t", s.Subset, s.Split, s.First)
}

// pick keeps the selected names among a repository's data files.
func (s *Selection) pick(names []string) ([]string, error) {
	if s == nil {
		return names, nil
	}
	names = slices.Sorted(slices.Values(names))
	if s.Subset != "" {
		names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !hasSegment(n, s.Subset) })
		if len(names) == 0 {
			return nil, fmt.Errorf("no data file of the subset %q (a folder of that name)", s.Subset)
		}
	}
	if s.Split != "" {
		split := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !ofSplit(n, s.Split) })
		if len(split) > 0 {
			names = split
		}
	}
	if s.First && len(names) > 1 {
		names = names[:1]
	}
	return names, nil
}

// hasSegment: one of name's folders is seg.
func hasSegment(name, seg string) bool {
	return slices.Contains(strings.Split(path.Dir(name), "/"), seg)
}

// ofSplit: name is in a folder of the split, or its file name starts
// with the split's.
func ofSplit(name, split string) bool {
	if hasSegment(name, split) {
		return true
	}
	base := path.Base(name)
	rest, ok := strings.CutPrefix(base, split)
	return ok && (strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "_"))
}
