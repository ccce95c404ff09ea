package sim

import (
	"strings"
	"testing"
	"time"
)

// Flags given by name set their option; those not given keep the default;
// a negative duration and a bad value are refused naming the flag.
func TestFromFlags(t *testing.T) {
	type flags struct {
		TTFT    time.Duration `name:"ttft"`
		MaxSeqs int           `name:"max-num-seqs"`
		Unnamed int
	}
	f := &flags{TTFT: 7 * time.Millisecond, MaxSeqs: 3}
	o, err := FromFlags(f, map[string]bool{"ttft": true})
	if err != nil || o.TTFT != 7*time.Millisecond || o.Batch.MaxNumSeqs != DefaultOptions().Batch.MaxNumSeqs {
		t.Fatalf("%+v %v", o, err)
	}
	f.TTFT = -time.Millisecond
	if _, err := FromFlags(f, map[string]bool{"ttft": true}); err == nil || !strings.Contains(err.Error(), "--ttft must not be negative") {
		t.Errorf("%v", err)
	}
	f.MaxSeqs = -1
	if _, err := FromFlags(f, map[string]bool{"max-num-seqs": true}); err == nil || !strings.Contains(err.Error(), "max-num-seqs") {
		t.Errorf("%v", err)
	}
	if v := Vars(); v["max_num_seqs"] == "" || len(v) != len(Defaults()) {
		t.Errorf("vars %v", v)
	}
}
