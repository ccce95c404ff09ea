package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// SplitLine is one request's line of profile_export_ttft_split.jsonl: its
// TTFT split by the server's span of it (--collect-server-traces), in ns.
type SplitLine struct {
	RequestID  string `json:"x_request_id"`
	TraceID    string `json:"trace_id"`
	TTFT       int64  `json:"time_to_first_token_ns"`
	ClientSend int64  `json:"client_send_ns"`
	Network    int64  `json:"network_ns"`
	Input      int64  `json:"server_input_ns"`
	Queue      int64  `json:"server_queue_ns"`
	Prefill    int64  `json:"server_prefill_ns"`
	ServerTTFT int64  `json:"server_time_to_first_token_ns"`
	ServerE2E  int64  `json:"server_e2e_ns"`
}

// TTFTSplitJSONL is the file's content.
func TTFTSplitJSONL(lines []SplitLine) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, l := range lines {
		enc.Encode(l)
	}
	return buf.Bytes()
}

// TTFTSplit reads profile_export_ttft_split.jsonl; nil and no error when
// the run joined no server spans.
func (d *RunDir) TTFTSplit() ([]SplitLine, error) {
	f, err := os.Open(d.Files.TTFTSplit())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []SplitLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l SplitLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", d.Files.TTFTSplit(), n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}
