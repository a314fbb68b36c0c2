package gorate

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Same parameters as gwbench's BM_StoreHotKey: 1e6 requests/s, burst 1000, one request per
// simulated microsecond, the time passed in (no clock read in the loop). "Hot key": every
// call decides for the same key (or the same Limiter), so the state stays in the cache.
const (
	benchRate  = rate.Limit(1e6)
	benchBurst = 1000
)

// cpuNanos is the CPU time (user + system) the process has used, every thread included: the
// runtime's own threads are part of Go's cost. Each benchmark also reports it per operation
// as cpu-ns/op, the analogue of Google Benchmark's CPU column; ns/op is wall time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// timed runs body after resetting the timer and reports cpu-ns/op.
func timed(b *testing.B, body func()) {
	b.ResetTimer()
	c0 := cpuNanos()
	body()
	b.StopTimer()
	b.ReportMetric(float64(cpuNanos()-c0)/float64(b.N), "cpu-ns/op")
}

// One limiter, one goroutine: Go's own per-key cost (a mutex and float arithmetic).
// Compared with BM_StoreHotKey/token_bucket at -cpu 1 (GOMAXPROCS=1).
func BenchmarkAllowN(b *testing.B) {
	lim := rate.NewLimiter(benchRate, benchBurst)
	t0 := time.Unix(1700000000, 0)
	timed(b, func() {
		for i := 0; i < b.N; i++ {
			lim.AllowN(t0.Add(time.Duration(i)*time.Microsecond), 1)
		}
	})
}

// One limiter shared by GOMAXPROCS goroutines; each goroutine advances its own clock.
// Compared with BM_StoreHotKey/token_bucket/real_time/threads:2 at -cpu 2.
func BenchmarkAllowNParallel(b *testing.B) {
	lim := rate.NewLimiter(benchRate, benchBurst)
	t0 := time.Unix(1700000000, 0)
	timed(b, func() {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				lim.AllowN(t0.Add(time.Duration(i)*time.Microsecond), 1)
			}
		})
	})
}

// What a keyed Go limiter usually looks like: a mutex-guarded map of limiters by key.
type keyedLimiters struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func (k *keyedLimiters) allow(key string, t time.Time) bool {
	k.mu.Lock()
	lim, ok := k.limiters[key]
	if !ok {
		lim = rate.NewLimiter(benchRate, benchBurst)
		k.limiters[key] = lim
	}
	k.mu.Unlock()
	return lim.AllowN(t, 1)
}

const hotKey = "consumer-00042"

// The same hot key as BM_StoreHotKey, looked up by string each time.
func BenchmarkKeyedHotKey(b *testing.B) {
	k := &keyedLimiters{limiters: map[string]*rate.Limiter{}}
	t0 := time.Unix(1700000000, 0)
	timed(b, func() {
		for i := 0; i < b.N; i++ {
			k.allow(hotKey, t0.Add(time.Duration(i)*time.Microsecond))
		}
	})
}

// The keyed map shared by GOMAXPROCS goroutines, all on the hot key.
func BenchmarkKeyedHotKeyParallel(b *testing.B) {
	k := &keyedLimiters{limiters: map[string]*rate.Limiter{}}
	t0 := time.Unix(1700000000, 0)
	timed(b, func() {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				k.allow(hotKey, t0.Add(time.Duration(i)*time.Microsecond))
			}
		})
	})
}
