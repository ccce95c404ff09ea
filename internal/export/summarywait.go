package export

import (
	"fmt"
	"os"
	"time"
)

// SummaryWait waits for shards' summaries (a shard writes its summary when
// it has finished: what `sonde kube merge` waits for). The clock is
// injected, so the wait is tested without waiting.
type SummaryWait struct {
	Prefix     string // the run's --profile-export-prefix
	Wait, Poll time.Duration
	Now        func() time.Time
	Sleep      func(time.Duration)
}

// Until returns once every folder holds its summary, or an error naming
// the first that does not when the wait is over.
func (w SummaryWait) Until(dirs []string) error {
	deadline := w.Now().Add(w.Wait)
	for {
		missing := ""
		for _, d := range dirs {
			if _, err := os.Stat(Files{Dir: d, Prefix: w.Prefix}.SummaryJSON()); err != nil {
				missing = d
				break
			}
		}
		if missing == "" {
			return nil
		}
		left := deadline.Sub(w.Now())
		if left < 0 {
			return fmt.Errorf("%s has no summary yet (the shard has not finished) after waiting %v", missing, w.Wait)
		}
		w.Sleep(min(w.Poll, left+time.Millisecond))
	}
}
