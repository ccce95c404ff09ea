//go:build !linux

package export

import "os"

// allocate writes size bytes of zeros: written blocks are allocated (a
// sparse file would hold nothing).
func allocate(f *os.File, size int64) error {
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zeros)) {
		if _, err := f.Write(zeros[:min(left, int64(len(zeros)))]); err != nil {
			return err
		}
	}
	return nil
}
