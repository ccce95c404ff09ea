package schedule

import (
	"math"
	"testing"
	"time"
)

// perSecond counts the arrivals of the first n seconds by second.
func perSecond(a Arrivals, n int) []int {
	out := make([]int, n)
	for _, t := range Times(a, 0, 100000) {
		if s := int(t / int64(time.Second)); s < n {
			out[s]++
		}
	}
	return out
}

// A ramp's arrivals climb linearly to the target rate, then hold it.
func TestRampClimbsLinearly(t *testing.T) {
	got := perSecond(Ramp(Constant{Gap: 10 * time.Millisecond}, 5*time.Second), 8)
	// 100/s over 5 s: about 10, 30, 50, 70, 90 in the first five seconds.
	for s, want := range []float64{10, 30, 50, 70, 90, 100, 100, 100} {
		if math.Abs(float64(got[s])-want) > 3 {
			t.Errorf("second %d: %d arrivals, want about %v (all: %v)", s, got[s], want, got)
		}
	}
}

func TestSeries(t *testing.T) {
	pts, err := ParseSeries("0:10, 2:50, 4:50, 5:0")
	if err != nil {
		t.Fatal(err)
	}
	if r := RateAt(pts, 1); r != 30 {
		t.Errorf("rate at 1 s: %v, want 30", r)
	}
	got := perSecond(Series(Constant{Gap: 20 * time.Millisecond}, pts), 4)
	for s, want := range []float64{20, 40, 50, 50} {
		if math.Abs(float64(got[s])-want) > 3 {
			t.Errorf("second %d: %d arrivals, want about %v (all: %v)", s, got[s], want, got)
		}
	}
	if j, err := ParseSeries("[[0, 1], [10, 5]]"); err != nil || len(j) != 2 || j[1].Rate != 5 {
		t.Errorf("JSON form: %v %v", j, err)
	}
	for _, bad := range []string{"1:5", "0:5,0:6", "0:-1", "0:0", "x", "0:5,3", "[[0,1],"} {
		if _, err := ParseSeries(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Shards' strides interleave into the one schedule.
func TestEveryInterleaves(t *testing.T) {
	all := Times(Ramp(Constant{Gap: 7 * time.Millisecond}, time.Second), 0, 30)
	got := map[int64]int{}
	for i := range 3 {
		s := Every(Ramp(Constant{Gap: 7 * time.Millisecond}, time.Second), 3, i)
		for _, at := range Times(s, int64(s.Offset), 10) {
			got[at]++
		}
	}
	for _, at := range all {
		if got[at] != 1 {
			t.Fatalf("arrival at %d taken by %d shards", at, got[at])
		}
	}
}
