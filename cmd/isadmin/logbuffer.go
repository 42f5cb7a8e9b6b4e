package main

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// logFlushDelay is the longest a line of the log waits in a logBuffer.
const logFlushDelay = 100 * time.Millisecond

// logBufferSize is how much a logBuffer gathers before it writes at once.
const logBufferSize = 32 << 10

// logBuffer gathers the lines of a log written to a file or a pipe and
// writes them out together: once they pass logBufferSize, logFlushDelay
// after the first of them, and with any line of level warn or above, so
// that a problem is on record as it is logged. A write per request cost a
// loaded server a tenth of its time; Tomcat's access log, which Carbon
// uses, is buffered by default too (AccessLogValve's buffered="true").
// Flush writes out what is held; the server calls it when it stops.
type logBuffer struct {
	mu    sync.Mutex
	out   io.Writer
	delay time.Duration // the longest a line waits
	buf   []byte
	timer *time.Timer
}

// newLogBuffer returns a logBuffer writing to out at most delay after a
// line (logFlushDelay for the server).
func newLogBuffer(out io.Writer, delay time.Duration) *logBuffer {
	b := &logBuffer{out: out, delay: delay}
	b.timer = time.AfterFunc(time.Hour, func() { b.Flush() })
	b.timer.Stop()
	return b
}

// Write holds p as a line of no level: it is written out at once.
func (b *logBuffer) Write(p []byte) (int, error) { return b.WriteLevel(zerolog.NoLevel, p) }

// WriteLevel holds p, a line of level l.
func (b *logBuffer) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	held := len(b.buf) > 0
	b.buf = append(b.buf, p...)
	if l >= zerolog.WarnLevel || len(b.buf) >= logBufferSize {
		b.timer.Stop()
		return len(p), b.flushLocked()
	}
	if !held {
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Flush writes out the lines held.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	if cap(b.buf) > 4*logBufferSize {
		b.buf = nil
	} else {
		b.buf = b.buf[:0]
	}
	return err
}
