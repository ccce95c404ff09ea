package dataset

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// captureLine is one line of SageMaker Data Capture: the request the
// endpoint received (JSON, or base64 of it) and when.
type captureLine struct {
	CaptureData struct {
		EndpointInput struct {
			Data     string `json:"data"`
			Encoding string `json:"encoding"`
		} `json:"endpointInput"`
	} `json:"captureData"`
	EventMetadata struct {
		EventID       string `json:"eventId"`
		InferenceTime string `json:"inferenceTime"`
	} `json:"eventMetadata"`
}

// loadSageMaker reads SageMaker Data Capture files (a file, or every
// .jsonl under a folder, as S3 syncs them by hour): each captured chat
// request is a session of one turn sent as recorded — its messages, its
// max tokens and its other parameters — at its recorded time (ms since
// the earliest, so no offset is needed).
func loadSageMaker(o FileOptions) ([]Conversation, error) {
	paths, err := captureFiles(o.Path)
	if err != nil {
		return nil, err
	}
	type timed struct {
		at time.Time
		c  Conversation
	}
	var all []timed
	for _, path := range paths {
		err := eachLine(path, func(line int, data []byte) error {
			var l captureLine
			if err := decodeLine(path, line, data, &l); err != nil {
				return err
			}
			at, err := time.Parse(time.RFC3339Nano, l.EventMetadata.InferenceTime)
			if err != nil {
				return &LineError{path, line, "eventMetadata.inferenceTime", fmt.Errorf("%q is not an RFC 3339 time", l.EventMetadata.InferenceTime)}
			}
			t, field, err := captureTurn(o, l.CaptureData.EndpointInput.Data, l.CaptureData.EndpointInput.Encoding)
			if err != nil {
				return &LineError{path, line, field, err}
			}
			id := l.EventMetadata.EventID
			if id == "" {
				id = fmt.Sprintf("%s:%d", filepath.Base(path), line)
			}
			all = append(all, timed{at, Conversation{ID: id, Turns: []Turn{t}, Standalone: true}})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(all, func(a, b timed) int { return a.at.Compare(b.at) })
	convs := make([]Conversation, len(all))
	for i, x := range all {
		x.c.Turns[0].Timestamp = float64(x.at.Sub(all[0].at).Microseconds()) / 1000
		x.c.Turns[0].HasTimestamp = true
		convs[i] = x.c
	}
	return convs, nil
}

// captureFiles is the file, or the .jsonl files under the folder (as
// S3 syncs them, by hour), in path order.
func captureFiles(path string) ([]string, error) { return filesUnder(path, true, ".jsonl") }

// captureTurn is a captured request body as a turn: its messages as
// written, max tokens, and its other fields as extras.
func captureTurn(o FileOptions, data, encoding string) (Turn, string, error) {
	var t Turn
	body := []byte(data)
	if strings.EqualFold(encoding, "BASE64") {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return t, "captureData.endpointInput.data", fmt.Errorf("not base64: %v", err)
		}
		body = b
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return t, "captureData.endpointInput.data", fmt.Errorf("not a JSON request: %v", err)
	}
	var msgs []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(req["messages"], &msgs); err != nil || len(msgs) == 0 {
		return t, "captureData.endpointInput.data", fmt.Errorf("a chat request's messages (strings) are needed: %v", err)
	}
	own := make([]Message, len(msgs))
	for i, m := range msgs {
		own[i] = Message{Role: m.Role, Content: m.Content}
	}
	t.SetMessages(own, o.Tok)
	for _, k := range []string{"max_completion_tokens", "max_tokens"} {
		if n, err := strconv.Atoi(string(req[k])); err == nil && n > 0 {
			t.MaxTokens = n
		}
	}
	for _, k := range slices.Sorted(maps.Keys(req)) {
		switch k {
		case "messages", "model", "stream", "stream_options", "max_tokens", "max_completion_tokens":
		default:
			t.Extra = append(t.Extra, KV{k, req[k]})
		}
	}
	return t, "", nil
}
