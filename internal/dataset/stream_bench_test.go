package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkTraceStream: one streamed request of a 2000-token prompt of
// four hash blocks — its line read, its prompt built and counted — the
// work the reader does ahead of each request (docs/PERFORMANCE.md).
func BenchmarkTraceStream(b *testing.B) {
	var lines strings.Builder
	for i := range 4096 {
		fmt.Fprintf(&lines, `{"timestamp":%d,"input_length":2000,"output_length":100,"hash_ids":[%d,%d,%d,%d]}`+"\n", i, i%7, i%50+10, i/3+100, i+1000)
	}
	path := filepath.Join(b.TempDir(), "trace.jsonl")
	os.WriteFile(path, []byte(lines.String()), 0o644)
	o := FileOptions{Path: path, Type: "mooncake_trace", BlockSize: 512, Seed: 1, Models: []string{"m"}, Tok: builtin(b)}
	s, err := OpenTraceStream(o)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Next(); err != nil {
			s.Close()
			if s, err = OpenTraceStream(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	s.Close()
}
