package pipeline

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// The live view: percentiles over the recent window, errors by type, and
// the output rate over the last 10 s, on an injected clock.
func TestLive(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	l := NewLive(func() time.Time { return now })
	if l.Start() != nil || l.Close() != nil {
		t.Fatal("start/close")
	}
	for i := range liveWindow + 10 {
		var v metrics.Values
		v.Set(metrics.TTFT, float64(i)*1e6)
		v.Set(metrics.OSL, 10)
		l.Put(&record.Record{}, &v)
		now = now.Add(10 * time.Millisecond)
	}
	l.Put(&record.Record{Error: &record.Error{Type: "Timeout"}}, &metrics.Values{})
	s := l.Snapshot()
	if s.Errors["Timeout"] != 1 || s.P50["time_to_first_token"] < 10 || s.P99["time_to_first_token"] > float64(liveWindow+10) {
		t.Fatalf("%+v", s)
	}
	// 1,000 marks in the last 10 s, 10 tokens each: 1,000 tokens/s.
	if s.OutputTPS < 990 || s.OutputTPS > 1010 {
		t.Errorf("output rate %v, want 1000", s.OutputTPS)
	}
}

// The summary's sinks and the streamed records, flushed as a run goes.
func TestSinks(t *testing.T) {
	acc := metrics.NewAccumulator(metrics.Options{Streaming: true})
	slicer := metrics.NewSlicer(metrics.Options{Streaming: true}, int64(time.Second))
	slicer.SetOrigin(0)
	dir := t.TempDir()
	recs, err := Exporter("records", export.Files{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sinks := []Sink{Accumulate{acc}, Slices{slicer}, recs}
	if err := Start(sinks); err != nil {
		t.Fatal(err)
	}
	tok, _ := tokenizer.Builtin()
	p := NewProcessor(tok, clock.New(), true, sinks...)
	p.Process(&record.Record{Phase: record.PhaseProfiling, StartNs: 1, EndNs: 50, UserTokens: 3, LastTurn: true,
		Output: " a b", HasOutput: true, Responses: []record.Response{{Ns: 10, Content: 2}, {Ns: 20, Content: 2}}})
	p.flush()
	if b, _ := os.ReadFile(filepath.Join(dir, "profile_export.jsonl")); len(b) == 0 {
		t.Error("the record was not flushed")
	}
	if err := Close(sinks); err != nil {
		t.Fatal(err)
	}
	if s := acc.Summary(); s.RequestCount != 1 || len(slicer.Slices()) != 1 {
		t.Errorf("%d requests, %d slices", s.RequestCount, len(slicer.Slices()))
	}
}

// --apply-chat-template: ISL counts the messages as the template renders
// them; a template that fails to render falls back to the contents and is
// counted.
func TestTemplateTokens(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "chat_template.jinja"),
		[]byte("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"), 0o644)
	tmpl, err := tokenizer.LoadChatTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokenizer.Builtin()
	var sink collect
	p := NewProcessor(tok, clock.New(), true, &sink)
	p.Template = tmpl
	msgs := []openai.Message{{Role: "user", Content: "hello there"}}
	r := &record.Record{Phase: record.PhaseProfiling, StartNs: 1, EndNs: 50, UserTokens: 2, LastTurn: true, Messages: msgs,
		Responses: []record.Response{{Ns: 10}}}
	p.Process(r)
	want := tok.Count("<|user|>hello there<|assistant|>")
	if r.InputTokens != want || r.Messages != nil {
		t.Errorf("ISL %d, want %d rendered", r.InputTokens, want)
	}
	bad := filepath.Join(t.TempDir(), "x")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "chat_template.jinja"), []byte("{{ raise_exception('no') }}"), 0o644)
	if p.Template, err = tokenizer.LoadChatTemplate(bad); err != nil {
		t.Fatal(err)
	}
	r = &record.Record{Phase: record.PhaseProfiling, SessionNum: 1, StartNs: 1, EndNs: 50, UserTokens: 2, LastTurn: true, Messages: msgs,
		Responses: []record.Response{{Ns: 10}}}
	p.Process(r)
	if p.TemplateErrors != 1 || r.InputTokens != 2 {
		t.Errorf("a failing template: %d errors, ISL %d", p.TemplateErrors, r.InputTokens)
	}
}

// -v tells how the connections were used; -vv adds a line per request.
func TestDebugSink(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: levelTrace}))
	d := &Debug{Log: log}
	d.Start()
	var v metrics.Values
	v.Set(metrics.TTFT, 2e6)
	d.Put(&record.Record{SessionNum: 1, HTTP: record.Phases{Reused: true}, Retried: true}, &v)
	d.Put(&record.Record{HTTP: record.Phases{Prewarmed: true}, Error: &record.Error{Type: "X", Message: "boom"}}, &v)
	d.Put(&record.Record{}, &v)
	d.Close()
	for _, want := range []string{"session 1 turn 0", "reused connection, retried on a fresh connection", "TTFT 2.000 ms", "X: boom",
		"3 requests, 1 on new connections, 1 reused, 1 opened ahead", "1 retried", "1 failed"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("lacks %q:\n%s", want, buf.String())
		}
	}
}
