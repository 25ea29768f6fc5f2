package agent

import (
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// eventBus keeps the last events in a ring so a client can resume a stream
// with ?since=N, and fans new events out to subscribers. A subscriber that
// does not keep up is dropped rather than buffered without bound: it
// reconnects and resumes from its last sequence number.
type eventBus struct {
	mu   sync.Mutex
	seq  uint64
	ring []ipc.Event // at most ringSize, oldest first
	subs map[chan ipc.Event]struct{}
}

const (
	ringSize      = 256
	subscriberBuf = 64
)

func newEventBus() *eventBus { return &eventBus{subs: map[chan ipc.Event]struct{}{}} }

func (b *eventBus) publish(ev ipc.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	ev.Seq = b.seq
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if len(b.ring) == ringSize {
		copy(b.ring, b.ring[1:])
		b.ring = b.ring[:ringSize-1]
	}
	b.ring = append(b.ring, ev)
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// subscribe returns the events after since that are still in the ring,
// followed by new ones. cancel must be called when the reader goes away.
func (b *eventBus) subscribe(since uint64) (<-chan ipc.Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan ipc.Event, subscriberBuf+ringSize)
	for _, ev := range b.ring {
		if ev.Seq > since {
			ch <- ev
		}
	}
	b.subs[ch] = struct{}{}
	cancel := func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
	return ch, cancel
}
