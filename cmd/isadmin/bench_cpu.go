package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's cumulative CPU times over all cores, in the
// kernel's clock ticks, from the first line of /proc/stat.
type cpuTimes struct {
	busy, total uint64
}

// readCPUTimes reads the machine's CPU times; it fails where there is no
// /proc/stat (other systems than Linux), and a run then reports no figure.
func readCPUTimes() (cpuTimes, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	defer f.Close()
	return parseCPUTimes(f)
}

// parseCPUTimes reads the "cpu" line of /proc/stat: user, nice, system,
// idle, iowait, irq, softirq, steal (then guest times, which user and nice
// already count). Idle and iowait are time the machine had to spare; the
// rest, steal included (another guest had the core), is busy.
func parseCPUTimes(r io.Reader) (cpuTimes, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return cpuTimes{}, fmt.Errorf("bench: /proc/stat: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return cpuTimes{}, errors.New("bench: /proc/stat: no cpu line first")
	}
	var t cpuTimes
	for i, s := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("bench: /proc/stat: cpu field %d: %w", i+1, err)
		}
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	return t, nil
}

// busyPercent is the share of the machine's CPU time that was busy between
// from and t, in percent of all cores; -1 when no time passed.
func (t cpuTimes) busyPercent(from cpuTimes) float64 {
	if t.total <= from.total || t.busy < from.busy {
		return -1
	}
	return 100 * float64(t.busy-from.busy) / float64(t.total-from.total)
}
