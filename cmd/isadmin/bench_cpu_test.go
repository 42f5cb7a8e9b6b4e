package main

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

func TestParseCPUTimes(t *testing.T) {
	for _, tc := range []struct {
		name, stat  string
		busy, total uint64
		err         string
	}{
		{"every field", "cpu  100 2 30 800 40 5 6 7 9 9\ncpu0 1 2 3 4 5 6 7 8 0 0\n", 150, 990, ""},
		{"old kernel without steal", "cpu 10 0 10 70 10 0 0\n", 20, 100, ""},
		{"no cpu line", "intr 1 2 3\n", 0, 0, "no cpu line"},
		{"bad number", "cpu 1 2 x 4 5\n", 0, 0, "cpu field 3"},
		{"empty", "", 0, 0, "/proc/stat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCPUTimes(strings.NewReader(tc.stat))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || got.busy != tc.busy || got.total != tc.total {
				t.Fatalf("got %+v, %v; want busy %d, total %d", got, err, tc.busy, tc.total)
			}
		})
	}
}

func TestCPUBusyPercent(t *testing.T) {
	from := cpuTimes{busy: 100, total: 400}
	for _, tc := range []struct {
		to   cpuTimes
		want float64
	}{
		{cpuTimes{busy: 150, total: 500}, 50},
		{cpuTimes{busy: 200, total: 500}, 100},
		{cpuTimes{busy: 100, total: 500}, 0},
		{cpuTimes{busy: 100, total: 400}, -1}, // no time passed
	} {
		if got := tc.to.busyPercent(from); got != tc.want {
			t.Errorf("%+v from %+v: %v, want %v", tc.to, from, got, tc.want)
		}
	}
}

// TestBenchReportsCPU: on Linux a load run reports how busy the machine's
// cores were in its measured window.
func TestBenchReportsCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipped: the machine's CPU times come from Linux's /proc/stat")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<pong/>")) }))
	defer srv.Close()
	res := benchRun(t, append([]string{"--url", srv.URL, "--concurrency", "2", "--body-file", benchWriteFile(t, "body", "<ping/>")}, benchShort...)...)
	if res.CPUBusyPct == nil || *res.CPUBusyPct <= 0 || *res.CPUBusyPct > 100 {
		t.Fatalf("cpu_busy_pct %v: want a share in (0, 100]", res.CPUBusyPct)
	}
}
