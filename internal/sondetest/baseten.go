package sondetest

import (
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// BasetenRow is one row of a Baseten completion trace, as tests write
// them (the column names are Baseten's export).
type BasetenRow struct {
	Start       int64   `parquet:"timestamp_start_unix_ms"`
	Prompt      string  `parquet:"prompt"`
	Input       int64   `parquet:"input_tokens"`
	Output      int64   `parquet:"output_tokens"`
	Session     *string `parquet:"provided_session_id,optional"`
	Hashes      []int64 `parquet:"total_hashes,list"`
	BlockSize   int64   `parquet:"block_size"`
	E2EMs       float64 `parquet:"duration_e2e_ms"`
	Canceled    bool    `parquet:"request_canceled"`
	OutputText  string  `parquet:"output_text"`
	DurationTTF float64 `parquet:"duration_ttft_ms"`
}

// WriteParquet writes rows of any struct type as a Parquet file.
func WriteParquet[T any](t testing.TB, path string, rows []T) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
