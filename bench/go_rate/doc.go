// Package gorate benchmarks golang.org/x/time/rate, the anchor for gwbench's rate-limit
// decisions (bench/ratelimit_vs_go.sh runs both in one go). Built offline in GOPATH mode
// against Debian's golang-golang-x-time-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go test -run '^$' -bench . ./bench/go_rate
package gorate
