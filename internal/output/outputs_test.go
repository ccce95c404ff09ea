package output

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
)

type fakeOutput struct {
	name           string
	log            *[]string
	startErr, wErr error
	stopErr        error
	contributed    bool
}

func (f *fakeOutput) Start(context.Context) error {
	*f.log = append(*f.log, "start "+f.name)
	return f.startErr
}
func (f *fakeOutput) Stop() error  { *f.log = append(*f.log, "stop "+f.name); return f.stopErr }
func (f *fakeOutput) Write() error { *f.log = append(*f.log, "write "+f.name); return f.wErr }
func (f *fakeOutput) Contribute(*metrics.Summary, *export.Run) {
	f.contributed = true
}

// Outputs start in order; one that fails to start stops those before it;
// all are stopped and written whatever fails, their errors joined.
func TestOutputsLifecycle(t *testing.T) {
	var log []string
	boom, bad := errors.New("boom"), errors.New("bad")
	a, b, c := &fakeOutput{name: "a", log: &log}, &fakeOutput{name: "b", log: &log, stopErr: bad}, &fakeOutput{name: "c", log: &log, wErr: boom}
	os := List{a, b, c}
	if err := os.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Stop(); !errors.Is(err, bad) {
		t.Errorf("stop: %v", err)
	}
	os.Contribute(nil, nil)
	if err := os.Write(); !errors.Is(err, boom) || !a.contributed || !c.contributed {
		t.Errorf("write: %v", err)
	}
	want := []string{"start a", "start b", "start c", "stop a", "stop b", "stop c", "write a", "write b", "write c"}
	if !slices.Equal(log, want) {
		t.Errorf("%v, want %v", log, want)
	}
	log = nil
	b.startErr = boom
	if err := os.Start(context.Background()); !errors.Is(err, boom) {
		t.Errorf("a failed start: %v", err)
	}
	if want := []string{"start a", "start b", "stop a"}; !slices.Equal(log, want) {
		t.Errorf("%v, want %v", log, want)
	}
}
