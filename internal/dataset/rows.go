package dataset

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// row is one record of a downloaded dataset, its columns by name, and
// where it was read ("file:line", "file: row n") for errors.
type row struct {
	cols map[string]any
	at   string
}

// eachRow calls fn with every row of a dataset's files — path is a file
// or a folder of them, read in name order — in JSON lines, a JSON array,
// Parquet or CSV. A row that fails a --dataset-filter is skipped.
func eachRow(path string, filter map[string]string, fn func(r row) error) error {
	files, err := dataFiles(path)
	if err != nil {
		return err
	}
	keep := func(r row) error {
		for k, v := range filter {
			if !matches(r.cols[k], v) {
				return nil
			}
		}
		return fn(r)
	}
	for _, f := range files {
		var err error
		switch strings.ToLower(filepath.Ext(f)) {
		case ".parquet":
			err = parquetRows(f, keep)
		case ".csv":
			err = csvRows(f, keep)
		case ".json":
			err = jsonArrayRows(f, keep)
		default:
			err = eachLine(f, func(line int, data []byte) error {
				r := row{at: fmt.Sprintf("%s:%d", f, line)}
				if err := json.Unmarshal(data, &r.cols); err != nil {
					return fmt.Errorf("%s: not a JSON object: %v", r.at, err)
				}
				return keep(r)
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dataFiles are path itself, or the data files of a folder (its
// subfolders too), in path order.
func dataFiles(path string) ([]string, error) {
	return filesUnder(path, true, ".jsonl", ".json", ".parquet", ".csv")
}

// parquetRows reads a Parquet file's rows as maps (nested columns as
// nested maps and lists, binary columns as bytes), 64 at a time.
func parquetRows(path string, fn func(r row) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: not a readable Parquet file: %w", path, err)
	}
	rd := parquet.NewGenericReader[any](f, &parquet.ReaderConfig{Schema: pf.Schema()})
	defer rd.Close()
	buf := make([]any, 64)
	for n := 1; ; {
		k, err := rd.Read(buf)
		for _, v := range buf[:k] {
			m, _ := v.(map[string]any)
			if ferr := fn(row{cols: m, at: fmt.Sprintf("%s: row %d", path, n)}); ferr != nil {
				return ferr
			}
			n++
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", path, n, err)
		}
	}
}

// csvRows reads a CSV file whose first line names its columns.
func csvRows(path string, fn func(r row) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	head, err := rd.Read()
	if err != nil {
		return fmt.Errorf("%s: no header line: %w", path, err)
	}
	for line := 2; ; line++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		r := row{cols: map[string]any{}, at: fmt.Sprintf("%s:%d", path, line)}
		for i, v := range rec {
			if i < len(head) {
				r.cols[head[i]] = v
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// jsonArrayRows reads a JSON file holding an array of objects (or JSON
// lines, when it is not one array).
func jsonArrayRows(path string, fn func(r row) error) error {
	data, err := readWhole(path)
	if err != nil {
		return err
	}
	var all []map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return eachLine(path, func(line int, data []byte) error {
			r := row{at: fmt.Sprintf("%s:%d", path, line)}
			if err := json.Unmarshal(data, &r.cols); err != nil {
				return fmt.Errorf("%s: neither a JSON array of objects nor JSON lines: %v", r.at, err)
			}
			return fn(r)
		})
	}
	for i, m := range all {
		if err := fn(row{cols: m, at: fmt.Sprintf("%s: item %d", path, i+1)}); err != nil {
			return err
		}
	}
	return nil
}

// matches: a column's value is v, or, for a list, one of its items is.
func matches(col any, v string) bool {
	if l, ok := col.([]any); ok {
		for _, x := range l {
			if fmt.Sprint(x) == v {
				return true
			}
		}
		return false
	}
	return fmt.Sprint(col) == v
}

// Rows calls fn with every row of a dataset's files (a file or a folder:
// JSON lines, a JSON array, Parquet, CSV) as JSON, and where it was read.
func Rows(path string, fn func(data []byte, at string) error) error {
	return eachRow(path, nil, func(r row) error {
		data, err := json.Marshal(r.cols)
		if err != nil {
			return fmt.Errorf("%s: %v", r.at, err)
		}
		return fn(data, r.at)
	})
}
