package tokenizer

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// LoadCached is Load through a cache of compiled forms in dir, keyed by the
// file's CRC-32C and length: the first load compiles the tokenizer and
// stores it, the next ones read the compiled form, as fast as the builtin
// (decoding a tokenizer.json's 150,000-entry vocabulary and merges is most
// of a second at every start). A cache that cannot be read or written is
// passed over: the tokenizer loads all the same. dir "" is Load.
func LoadCached(path, dir string) (*BPE, error) {
	if dir == "" {
		return Load(path)
	}
	path, data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	// CRC-32C runs in hardware: 1 ms for an 11 MB file where SHA-256 took
	// 10–14; with the length, two tokenizer files collide once in 4 billion.
	cached := filepath.Join(dir, fmt.Sprintf("%08x-%d.tok", crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)), len(data)))
	if b, err := os.ReadFile(cached); err == nil {
		if t, err := parseCompiled(b); err == nil {
			t.name = path
			return t, nil
		}
	}
	t, compiled, err := compile(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	t.name = path
	store(cached, compiled)
	return t, nil
}

// store writes a compiled form whole or not at all (a temporary file
// renamed), so that two runs starting at once never read half of one.
func store(path string, data []byte) {
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tok-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil && cerr == nil && os.Rename(tmp.Name(), path) == nil {
		return
	}
	os.Remove(tmp.Name())
}

// CacheDir is where compiled tokenizers are kept: $SONDE_CACHE_DIR, else
// sonde/tokenizers under $XDG_CACHE_HOME or ~/.cache; "" (no cache) when
// SONDE_CACHE_DIR is "off" or no home is known.
func CacheDir(getenv func(string) string) string {
	switch d := getenv("SONDE_CACHE_DIR"); d {
	case "off":
		return ""
	case "":
	default:
		return filepath.Join(d, "tokenizers")
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "sonde", "tokenizers")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "sonde", "tokenizers")
	}
	return ""
}
