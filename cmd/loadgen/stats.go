package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// percentile of an ascending slice (nearest rank); NaN when empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// latencies collects milliseconds from many goroutines.
type latencies struct {
	mu sync.Mutex
	ms []float64
}

func (l *latencies) add(d float64) {
	l.mu.Lock()
	l.ms = append(l.ms, d)
	l.mu.Unlock()
}

func (l *latencies) sorted() []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := slices.Clone(l.ms)
	slices.Sort(s)
	return s
}

// procMem reads VmRSS and VmHWM (bytes) of a process.
func procMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, sc.Err()
}

// rssPeak samples a process's VmRSS every interval until stopped and keeps
// the largest value.
type rssPeak struct {
	stop chan struct{}
	done chan struct{}
	peak int64
}

func sampleRSS(pid int, every time.Duration) *rssPeak {
	r := &rssPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, _, err := procMem(pid); err == nil && rss > r.peak {
				r.peak = rss
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// Stop ends sampling and returns the peak in bytes.
func (r *rssPeak) Stop() int64 {
	close(r.stop)
	<-r.done
	return r.peak
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return "?"
}

// cpuTime is the CPU time (user and system) used so far by the server, by
// PostgreSQL and by the load generator itself. The difference of two
// readings is what a figure cost the machine: on two cores that, not the
// wall clock, is what the figures compete for.
type cpuTime struct{ Server, Postgres, LoadGen time.Duration }

// userHZ is the unit of the times in /proc/<pid>/stat (USER_HZ, 100 on
// Linux whatever the kernel's own tick).
const userHZ = 100

// readCPU reads the CPU time of the server (process pid, its threads
// included), of this process and of every process named postgres, counting
// for each its reaped children too: the postmaster's children are the
// backends, so connections that closed in between are counted as well.
// With pid 0 (no server yet) Server stays zero; the CPU of child processes
// that ended (pgbench) is in LoadGen.
func readCPU(pids ...int) (cpuTime, error) {
	var server time.Duration
	for _, pid := range pids {
		if pid <= 0 {
			continue
		}
		t, _, err := procCPU(strconv.Itoa(pid))
		if err != nil {
			return cpuTime{}, err
		}
		server += t
	}
	self, _, err := procCPU("self")
	if err != nil {
		return cpuTime{}, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return cpuTime{}, err
	}
	var pg time.Duration
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		t, comm, err := procCPU(e.Name())
		if err == nil && comm == "postgres" {
			pg += t
		}
	}
	return cpuTime{Server: server, Postgres: pg, LoadGen: self}, nil
}

// procCPU returns utime+stime+cutime+cstime and the command name of a
// process from /proc/<pid>/stat.
func procCPU(pid string) (time.Duration, string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, "", err
	}
	s := string(b)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return 0, "", fmt.Errorf("/proc/%s/stat: no command name", pid)
	}
	// After the name: state (field 3) … utime, stime, cutime, cstime are
	// fields 14 to 17.
	f := strings.Fields(s[closing+1:])
	if len(f) < 15 {
		return 0, "", fmt.Errorf("/proc/%s/stat: %d fields", pid, len(f)+2)
	}
	var ticks int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("/proc/%s/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, s[open+1 : closing], nil
}

// sub returns the CPU time used between two readings.
func (c cpuTime) sub(before cpuTime) cpuTime {
	return cpuTime{Server: c.Server - before.Server, Postgres: c.Postgres - before.Postgres, LoadGen: c.LoadGen - before.LoadGen}
}

// totalPer is the CPU time of all three per unit of work, in microseconds.
func (c cpuTime) totalPer(n float64) float64 {
	return float64((c.Server + c.Postgres + c.LoadGen).Microseconds()) / max(n, 1)
}

// perUnit formats the CPU time per unit of work (n units) in microseconds:
// "server S + PostgreSQL P + load generator L µs".
func (c cpuTime) perUnit(n float64) string {
	if n <= 0 || c == (cpuTime{}) {
		return "?"
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	return fmt.Sprintf("server %.1f + PostgreSQL %.1f + load generator %.1f µs", us(c.Server), us(c.Postgres), us(c.LoadGen))
}
