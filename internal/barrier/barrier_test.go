package barrier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// memory is a fake backend: announcements in a map; arrive are entries that
// appear at later polls (poll k gets arrive[k]).
type memory struct {
	mu      sync.Mutex
	entries map[int]Entry
	arrive  [][]Entry
	polls   int
}

func (m *memory) Announce(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[int]Entry{}
	}
	m.entries[e.Index] = e
	return nil
}

func (m *memory) Entries(context.Context) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.polls < len(m.arrive) {
		for _, e := range m.arrive[m.polls] {
			m.entries[e.Index] = e
		}
	}
	m.polls++
	var out []Entry
	for _, e := range m.entries {
		out = append(out, e)
	}
	return out, nil
}

func (m *memory) String() string { return "memory" }

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// fake returns a barrier on a clock that only moves when it sleeps.
func fake(b Backend, index, count int) (*Barrier, *time.Time) {
	now := t0
	return &Barrier{Backend: b, Index: index, Count: count, Host: "h", Margin: 5 * time.Second, Timeout: time.Minute, Poll: time.Second,
		Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			now = now.Add(d)
			return ctx.Err()
		}}, &now
}

func at(i int, d time.Duration) Entry {
	return Entry{Index: i, Count: 3, Host: "h", ReadyNs: t0.Add(d).UnixNano()}
}

// The start is the latest ready time plus the margin, whoever computes it,
// and it waits for the last shard however late (within the timeout).
func TestStartIsLatestReadyPlusMargin(t *testing.T) {
	m := &memory{arrive: [][]Entry{{at(1, -3*time.Second)}, nil, nil, {at(2, 3*time.Second)}}}
	b, now := fake(m, 0, 3)
	start, err := b.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(3*time.Second + 5*time.Second); !start.Equal(want) || m.polls != 4 || !now.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("start %v after %d polls at %v; want %v after 4", start, m.polls, *now, want)
	}
	// Every shard computes the same instant from the same announcements.
	for i := 1; i < 3; i++ {
		other, _ := fake(m, i, 3)
		other.Now = func() time.Time { return t0.Add(4 * time.Second) }
		if s, err := other.Wait(context.Background()); err != nil || !s.Equal(t0.Add(9*time.Second)) {
			t.Fatalf("shard %d: %v %v", i, s, err)
		}
	}
}

// A shard that never comes fails the wait after the timeout, naming it.
func TestShardThatNeverComes(t *testing.T) {
	m := &memory{}
	m.Announce(context.Background(), at(1, 0))
	b, now := fake(m, 0, 3)
	_, err := b.Wait(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no announcement from shard 2 of 3 within 1m0s") {
		t.Fatalf("%v", err)
	}
	if !now.Equal(t0.Add(time.Minute)) || m.polls != 61 {
		t.Fatalf("gave up at %v after %d polls; want after the minute, 61 polls", *now, m.polls)
	}
	b, _ = fake(&memory{}, 0, 40)
	if _, err := b.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "shards 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, and 29 more of 40") {
		t.Fatalf("%v", err)
	}
}

// Announcements of another run in a reused folder are not counted: older
// than any wait of this run could be, or with another shard count (an
// error: the shards would split the work differently).
func TestStaleAndMismatchedAnnouncements(t *testing.T) {
	m := &memory{}
	m.Announce(context.Background(), at(1, -2*time.Minute))
	m.Announce(context.Background(), at(2, 0))
	b, _ := fake(m, 0, 3)
	if _, err := b.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "shard 1 of 3") {
		t.Fatalf("a stale announcement counted: %v", err)
	}
	m.Announce(context.Background(), Entry{Index: 1, Count: 4, Host: "other", ReadyNs: t0.UnixNano()})
	b, _ = fake(m, 0, 3)
	if _, err := b.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "shard 1 (other) runs with --shard-count 4, this one with 3") {
		t.Fatalf("%v", err)
	}
}

func TestInterruptedWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, _ := fake(&memory{}, 0, 2)
	if _, err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

// The folder backend with the real clock: shards in goroutines, announcing
// at different times, all get one start instant, after every ready time.
func TestDirShardsAgree(t *testing.T) {
	dir := Dir(filepath.Join(t.TempDir(), "barrier"))
	starts := make([]time.Time, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			b := &Barrier{Backend: dir, Index: i, Count: 4, Host: "local", Margin: 50 * time.Millisecond, Timeout: time.Minute,
				Poll: 5 * time.Millisecond, Now: time.Now, Sleep: Sleep}
			s, err := b.Wait(context.Background())
			if err != nil {
				t.Error(err)
			}
			starts[i] = s
		})
	}
	wg.Wait()
	entries, err := dir.Entries(context.Background())
	if err != nil || len(entries) != 4 {
		t.Fatalf("%d entries: %v", len(entries), err)
	}
	for i := range starts {
		if !starts[i].Equal(starts[0]) {
			t.Fatalf("shards disagree: %v", starts)
		}
	}
	for _, e := range entries {
		if starts[0].UnixNano() < e.ReadyNs {
			t.Fatalf("start %v before shard %d was ready", starts[0], e.Index)
		}
	}
	os.WriteFile(filepath.Join(string(dir), "shard_9.json"), []byte("{oops"), 0o644)
	if _, err := dir.Entries(context.Background()); err == nil || !strings.Contains(err.Error(), "shard_9.json") {
		t.Fatalf("a broken announcement: %v", err)
	}
	b := &Barrier{Backend: Dir(filepath.Join(string(dir), "shard_0.json", "x")), Count: 1, Now: time.Now, Sleep: Sleep}
	if _, err := b.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "announcing shard 0") {
		t.Fatalf("an unwritable folder: %v", err)
	}
}
