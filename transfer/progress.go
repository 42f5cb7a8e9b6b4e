package transfer

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress hears how an import goes: a phase ("a.com: reading service
// providers") with the number of steps it has (-1 when not known), each
// step done, and the end of the phase. Implementations are safe for
// concurrent use.
type Progress interface {
	Start(phase string, total int)
	Add(n int)
	Done()
}

// NoProgress says nothing.
type NoProgress struct{}

func (NoProgress) Start(string, int) {}
func (NoProgress) Add(int)           {}
func (NoProgress) Done()             {}

// Lines reports progress as plain lines, for a log or a pipe: one when a
// phase starts, one every Every (10 seconds when zero) while it runs and
// one when it ends; nothing for a phase with nothing to do.
type Lines struct {
	W     io.Writer
	Every time.Duration
	Now   func() time.Time

	mu           sync.Mutex
	phase        string
	total, done  int
	started      time.Time
	lastReported time.Time
}

func (l *Lines) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Lines) Start(phase string, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase, l.total, l.done = phase, total, 0
	l.started = l.now()
	l.lastReported = l.started
	if total == 0 {
		return
	}
	if total >= 0 {
		fmt.Fprintf(l.W, "%s: %d to do\n", phase, total)
	} else {
		fmt.Fprintf(l.W, "%s\n", phase)
	}
}

func (l *Lines) Add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done += n
	every := l.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	if now := l.now(); now.Sub(l.lastReported) >= every {
		l.lastReported = now
		fmt.Fprintf(l.W, "%s: %s\n", l.phase, l.count())
	}
}

func (l *Lines) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total == 0 {
		return
	}
	fmt.Fprintf(l.W, "%s: %s done in %s\n", l.phase, l.count(), l.now().Sub(l.started).Round(time.Millisecond))
}

func (l *Lines) count() string {
	if l.total >= 0 {
		return fmt.Sprintf("%d/%d", l.done, l.total)
	}
	return fmt.Sprint(l.done)
}

// Bar draws a progress bar on a terminal (github.com/schollz/progressbar),
// one per phase.
type Bar struct {
	W io.Writer

	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func (b *Bar) Start(phase string, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.W),
		progressbar.OptionSetDescription(phase),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.W) }),
	)
}

func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Add(n)
	}
}

func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}
