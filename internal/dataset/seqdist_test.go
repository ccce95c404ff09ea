package dataset

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Spec §11.13: sequence distributions.
func TestSeqDist(t *testing.T) {
	d, err := ParseSeqDist("256,128:60;512,256:40")
	if err != nil {
		t.Fatal(err)
	}
	if isl, osl := d.Expected(); math.Abs(isl-358.4) > 1e-9 || math.Abs(osl-179.2) > 1e-9 || len(d.Pairs) != 2 {
		t.Fatalf("expected %v %v", isl, osl)
	}
	if s := (SeqPair{ISL: 256, OSL: 128, Prob: 40}).String(); s != "(256,128):40.0%" {
		t.Fatal(s)
	}
	if s := (SeqPair{256, 128, 40, 10, 5}).String(); s != "(256|10.0,128|5.0):40.0%" {
		t.Fatal(s)
	}
	if s := (SeqPair{256, 128, 40, 10, 0}).String(); s != "(256|10.0,128|0.0):40.0%" {
		t.Fatal(s)
	}
	d, err = ParseSeqDist("256|10,128|5:60;512|20,256|15:40")
	if err != nil || d.Pairs[0] != (SeqPair{256, 128, 60, 10, 5}) || d.Pairs[1] != (SeqPair{512, 256, 40, 20, 15}) {
		t.Fatalf("%+v %v", d, err)
	}
	for _, form := range []string{"[(256,128):40,(512,256):60]", `{"pairs":[{"isl":256,"osl":128,"prob":40},{"isl":512,"osl":256,"prob":60}]}`} {
		if d, err := ParseSeqDist(form); err != nil || len(d.Pairs) != 2 || d.Pairs[1].ISL != 512 {
			t.Fatalf("%s: %+v %v", form, d, err)
		}
	}
	if _, err := ParseSeqDist("256,128:0.6;512,256:0.4"); err == nil {
		t.Fatal("fractions must be rejected: probabilities are percentages")
	}
	d, _ = ParseSeqDist("256,128:60;512,256:40")
	r := rand.New(rand.NewPCG(1, 2))
	small := 0
	for range 20000 {
		if isl, _ := d.Sample(r); isl == 256 {
			small++
		}
	}
	if f := float64(small) / 20000; math.Abs(f-0.6) > 0.05 {
		t.Fatalf("60/40 split sampled %.3f", f)
	}
	if sampleLen(r, 100, 0) != 100 || sampleLen(r, 1, 50) < 1 {
		t.Fatal("stddev 0 returns the mean; positive stddev clamps to ≥ 1")
	}
}
