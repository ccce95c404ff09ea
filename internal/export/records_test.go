package export

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// The record line as encoding/json writes it: the reference that
// AppendRecordLine matches without reflection.
type metricValue struct {
	Value any    `json:"value"`
	Unit  string `json:"unit"`
}

type recordLine struct {
	Metadata recordMeta             `json:"metadata"`
	Metrics  map[string]metricValue `json:"metrics"`
	Error    *record.Error          `json:"error"`
}

func marshalRecordLine(r *record.Record, v *metrics.Values) []byte {
	line := recordLine{Metadata: metadataOf(r), Metrics: map[string]metricValue{}, Error: r.Error}
	for i := range metrics.NumRecordMetrics {
		if x, ok := v.Get(i); ok {
			d := metrics.RecordDef(i)
			line.Metrics[d.Tag] = metricValue{Value: x * d.Scale, Unit: d.Unit}
		}
	}
	if v.ICL != nil {
		ms := make([]float64, len(v.ICL))
		for i, x := range v.ICL {
			ms[i] = x * 1e-6
		}
		line.Metrics["inter_chunk_latency"] = metricValue{Value: ms, Unit: "ms"}
	}
	b, _ := json.Marshal(line)
	return append(b, '\n')
}

// AppendRecordLine writes exactly what encoding/json would, for records
// with odd strings, tiny and huge values, errors and every metric.
func TestRecordLineMatchesJSON(t *testing.T) {
	_, recs, vals := goldenRun()
	r := rand.New(rand.NewPCG(1, 2))
	odd := []string{"", "plain", "<a & b>", "quote\" back\\slash", "tab\tnew\nline", "héllo ☃", "\u2028\u2029", "\xff\xfe bad utf-8", "\x00\x1f"}
	for k := range 300 {
		rec := *recs[k%len(recs)]
		rec.RequestID, rec.CorrelationID, rec.ConversationID = odd[r.IntN(len(odd))], odd[r.IntN(len(odd))], odd[r.IntN(len(odd))]
		rec.Stage = odd[r.IntN(len(odd))]
		if k%5 == 0 { // a DAG's sub-agent
			rec.AgentDepth, rec.ParentCorrelationID, rec.SourceKind = 1+r.IntN(3), odd[r.IntN(len(odd))], odd[r.IntN(len(odd))]
		}
		if k%3 == 0 {
			rec.Error = &record.Error{Code: r.IntN(3) * 250, Type: odd[r.IntN(len(odd))], Message: odd[r.IntN(len(odd))]}
		}
		v := *vals[k%len(vals)]
		for i := range metrics.NumRecordMetrics {
			if r.IntN(3) == 0 {
				v.Set(i, []float64{0, 1e-13, 1e-7 * r.Float64(), 123.456, 1e22, -5e-9, math.MaxFloat64, r.NormFloat64() * 1e9}[r.IntN(8)])
			}
		}
		if k%4 == 0 {
			v.ICL = []float64{1, 2.5e6, 1e-3}
		}
		if got, want := AppendRecordLine(nil, &rec, &v), marshalRecordLine(&rec, &v); !bytes.Equal(got, want) {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	}
}

func BenchmarkRecordLine(b *testing.B) {
	_, recs, vals := goldenRun()
	var buf []byte
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			buf = AppendRecordLine(buf[:0], recs[0], vals[0])
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			marshalRecordLine(recs[0], vals[0])
		}
	})
}

// appendJSONFloat writes a float as encoding/json does, integers (its fast
// path) included.
func FuzzJSONFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 306, 1 << 53, 1<<53 + 2, -(1 << 53), 1e21, 1e20, 123.456, 1e-7, 5e-324, math.MaxFloat64, 0.6337079999999999} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return // encoding/json refuses them; records write null
		}
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, x); !bytes.Equal(got, want) {
			t.Fatalf("%v: wrote %s, encoding/json %s", x, got, want)
		}
	})
}

// appendMillis writes a whole count of ns in ms exactly as encoding/json
// writes ns*1e-6: checked over edges, every ns up to 200,000, and random
// ones up to 10¹⁵ and beyond.
func TestAppendMillisMatchesJSON(t *testing.T) {
	check := func(ns float64) {
		want, _ := json.Marshal(ns * 1e-6)
		if got := appendMillis(nil, ns); !bytes.Equal(got, want) {
			t.Fatalf("%v ns: wrote %s, encoding/json %s", ns, got, want)
		}
	}
	for _, ns := range []float64{0, 1, 9, 10, 999_999, 1e6, 1e6 + 1, 123_456_789, 1e15 - 1, 1e15, 1e16 + 3, 2.5, -3, 1 << 53} {
		check(ns)
	}
	for ns := range 200_000 {
		check(float64(ns))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300_000 {
		check(float64(r.Int64N(1e15)))
		check(float64(r.Int64N(1e9)))
	}
}

func FuzzAppendMillis(f *testing.F) {
	f.Add(int64(633708))
	f.Fuzz(func(t *testing.T, ns int64) {
		want, _ := json.Marshal(float64(ns) * 1e-6)
		if got := appendMillis(nil, float64(ns)); !bytes.Equal(got, want) {
			t.Fatalf("%d ns: wrote %s, encoding/json %s", ns, got, want)
		}
	})
}

func BenchmarkAppendMillis(b *testing.B) {
	var dst []byte
	for i := 0; b.Loop(); i++ {
		dst = appendMillis(dst[:0], float64(1_000_000+i*37))
	}
}

func BenchmarkAppendMillisFloat(b *testing.B) {
	var dst []byte
	for i := 0; b.Loop(); i++ {
		dst = appendJSONFloat(dst[:0], float64(1_000_000+i*37)*1e-6)
	}
}
