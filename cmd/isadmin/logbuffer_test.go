package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestLogBuffer(t *testing.T) {
	t.Run("info and debug wait", func(t *testing.T) {
		out := &syncBuffer{}
		b := newLogBuffer(out, time.Hour) // only a write or Flush writes out
		b.WriteLevel(zerolog.InfoLevel, []byte("one\n"))
		b.WriteLevel(zerolog.DebugLevel, []byte("two\n"))
		if got := out.String(); got != "" {
			t.Fatalf("written at once: %q", got)
		}
	})
	t.Run("held lines go out by themselves", func(t *testing.T) {
		out := &syncBuffer{}
		b := newLogBuffer(out, 10*time.Millisecond)
		b.WriteLevel(zerolog.InfoLevel, []byte("one\n"))
		b.WriteLevel(zerolog.DebugLevel, []byte("two\n"))
		eventually(t, "held lines written", func() bool { return out.String() == "one\ntwo\n" })
		b.WriteLevel(zerolog.InfoLevel, []byte("three\n"))
		eventually(t, "a line after a flush written", func() bool { return out.String() == "one\ntwo\nthree\n" })
	})
	for _, l := range []zerolog.Level{zerolog.WarnLevel, zerolog.ErrorLevel, zerolog.FatalLevel, zerolog.NoLevel} {
		t.Run(fmt.Sprintf("level %d writes out everything held at once", l), func(t *testing.T) {
			out := &syncBuffer{}
			b := newLogBuffer(out, time.Hour) // only a write or Flush writes out
			b.WriteLevel(zerolog.InfoLevel, []byte("held\n"))
			b.WriteLevel(l, []byte("now\n"))
			if got := out.String(); got != "held\nnow\n" {
				t.Fatalf("written %q", got)
			}
		})
	}
	t.Run("a full buffer goes out at once", func(t *testing.T) {
		out := &syncBuffer{}
		b := newLogBuffer(out, time.Hour) // only a write or Flush writes out
		line := []byte(strings.Repeat("x", 1023) + "\n")
		for range logBufferSize/len(line) - 1 {
			b.WriteLevel(zerolog.InfoLevel, line)
		}
		if got := out.String(); got != "" {
			t.Fatalf("written %d bytes before the buffer was full", len(got))
		}
		b.WriteLevel(zerolog.InfoLevel, line)
		if got := out.String(); len(got) != logBufferSize {
			t.Fatalf("written %d bytes, want %d", len(got), logBufferSize)
		}
	})
	t.Run("Flush", func(t *testing.T) {
		out := &syncBuffer{}
		b := newLogBuffer(out, time.Hour) // only a write or Flush writes out
		b.Write([]byte("plain\n"))
		b.WriteLevel(zerolog.InfoLevel, []byte("held\n"))
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != "plain\nheld\n" {
			t.Fatalf("written %q", got)
		}
	})
}

// TestLogToFile: a server logging to a file (not a terminal) buffers the
// request lines, writes them out by itself, and writes out the rest when
// it stops.
func TestLogToFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "isadmin.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	read := func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m := testMain(t, "is-next", f, nil)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := serverOf(m)
	get := call{action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`}
	s.do(t, get).ok(t)
	eventually(t, "the request line", func() bool { return strings.Count(read(), `"message":"soap request"`) == 1 })
	s.do(t, get).ok(t)
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := read()
	if n := strings.Count(log, `"message":"soap request"`); n != 2 {
		t.Errorf("%d request lines after the stop, want 2:\n%s", n, log)
	}
	if !strings.Contains(log, `"message":"isadmin stopped"`) {
		t.Errorf("no stop line:\n%s", log)
	}
}
