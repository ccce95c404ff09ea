package remote

import (
	"strings"
	"testing"
)

// The Hub's layouts: a subset's folder, then the split's files (a folder
// or a name prefix; all when none names it), then the first file alone.
func TestSelectionPick(t *testing.T) {
	files := []string{"main/test-00000-of-00001.parquet", "main/train-00000-of-00002.parquet", "main/train-00001-of-00002.parquet",
		"socratic/test-00000-of-00001.parquet", "data/validation/a.jsonl", "mmstar.parquet"}
	for _, c := range []struct {
		sel  *Selection
		want string
	}{
		{nil, strings.Join(files, " ")},
		{&Selection{Subset: "main", Split: "test"}, "main/test-00000-of-00001.parquet"},
		{&Selection{Subset: "main", Split: "train", First: true}, "main/train-00000-of-00002.parquet"},
		{&Selection{Split: "validation"}, "data/validation/a.jsonl"},
		{&Selection{Subset: "main", Split: "val"}, "main/test-00000-of-00001.parquet main/train-00000-of-00002.parquet main/train-00001-of-00002.parquet"},
	} {
		got, err := c.sel.pick(files)
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("%v: got %v (%v), want %s", c.sel, got, err, c.want)
		}
	}
	if _, err := (&Selection{Subset: "nope"}).pick(files); err == nil || !strings.Contains(err.Error(), `subset "nope"`) {
		t.Errorf("a missing subset: %v", err)
	}
	if (&Selection{Subset: "a", Split: "b", First: true}).String() == (&Selection{Subset: "a", Split: "b"}).String() {
		t.Error("two selections share a cache key")
	}
}
