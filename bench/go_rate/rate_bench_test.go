package gorate

import (
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Same parameters as gwbench's BM_StoreHotKey: 1e6 requests/s, burst 1000, one request per
// simulated microsecond, the time passed in (no clock read in the loop).
const (
	benchRate  = rate.Limit(1e6)
	benchBurst = 1000
)

// One limiter, one goroutine: Go's own per-key cost (a mutex and float arithmetic).
func BenchmarkAllowN(b *testing.B) {
	lim := rate.NewLimiter(benchRate, benchBurst)
	t0 := time.Unix(1700000000, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lim.AllowN(t0.Add(time.Duration(i)*time.Microsecond), 1)
	}
}

// One limiter shared by GOMAXPROCS goroutines.
func BenchmarkAllowNParallel(b *testing.B) {
	lim := rate.NewLimiter(benchRate, benchBurst)
	t0 := time.Unix(1700000000, 0)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			lim.AllowN(t0.Add(time.Duration(i)*time.Microsecond), 1)
		}
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

// The same hot key as BM_StoreHotKey, looked up by string each time.
func BenchmarkKeyedHotKey(b *testing.B) {
	k := &keyedLimiters{limiters: map[string]*rate.Limiter{}}
	t0 := time.Unix(1700000000, 0)
	key := "consumer-00042"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.allow(key, t0.Add(time.Duration(i)*time.Microsecond))
	}
}
