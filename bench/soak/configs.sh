# The configs bench/soak.sh writes into its out dir; sourced by it.
# shellcheck shell=bash disable=SC2034  # (variables shared with bench/soak.sh)

# Mock-services for the clean routes: nothing is ever injected here. Workers and queues are
# far above the load's connection count, so a full queue (503 overloaded) cannot happen.
write_clean_mocks() {  # file
  cat > "$1" <<'EOF'
{
  "seed": 7,
  "host": "127.0.0.1",
  "services": [
    {"name": "users", "instances": 3, "spec": {"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 1}}},
    {"name": "products", "instances": 2, "spec": {"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 1}}},
    {"name": "orders", "spec": {"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 2}}},
    {"name": "reviews", "spec": {"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 1}}},
    {"name": "echo", "spec": {"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 0.2}}}
  ]
}
EOF
}

# The faulted services, in a process of their own so that killing it and hanging its
# requests cannot touch the clean ones. PORTS_LINE (the first run's ready line) pins the
# ports for a restart; without it every port is picked free.
SOAK_FAULTED_SPEC='{"workers": 32, "queue": 512, "latency": {"kind": "constant", "ms": 1}}'
SOAK_RECS_SPEC='{"workers": 32, "queue": 512, "latency": {"kind": "lognormal", "median_ms": 3, "p99_ms": 20}}'
write_faulted_mocks() {  # file [ready-line-file]
  local inventory='2' recommendations='1'
  if [[ -n "${2:-}" ]]; then
    inventory=$(jq -c '[.services.inventory[] | {id: .instance, port}]' "$2")
    recommendations=$(jq -c '[.services.recommendations[] | {id: .instance, port}]' "$2")
  fi
  cat > "$1" <<EOF
{
  "seed": 7,
  "host": "127.0.0.1",
  "services": [
    {"name": "inventory", "instances": $inventory, "spec": $SOAK_FAULTED_SPEC},
    {"name": "recommendations", "instances": $recommendations, "spec": $SOAK_RECS_SPEC}
  ]
}
EOF
}

# gatewayd's config. Clean routes: generous timeouts (30 s), so a busy machine cannot turn
# them into 504s. Faulted routes: short timeouts, retries, a circuit breaker and outlier
# detection on inventory. VARIANT (1 or 2) changes a response header and the breaker's open
# time, so a reload has something to apply.
write_gateway_config() {  # file variant clean-ready-line faulted-ready-line
  local file="$1" variant="$2" clean="$3" faulted="$4"
  local open_ms=$((variant == 1 ? 2000 : 3000))
  instances() { jq -c --arg s "$2" '[.services[$s][] | {id: .instance, address}]' "$1"; }
  cat > "$file" <<EOF
{
  "services": [
    {"name": "users", "instances": $(instances "$clean" users), "timeout_ms": 30000},
    {"name": "products", "instances": $(instances "$clean" products), "timeout_ms": 30000,
     "load_balancer": {"algorithm": "least_request"}},
    {"name": "orders", "instances": $(instances "$clean" orders), "timeout_ms": 30000},
    {"name": "reviews", "instances": $(instances "$clean" reviews), "timeout_ms": 30000},
    {"name": "echo", "instances": $(instances "$clean" echo), "timeout_ms": 30000},
    {"name": "inventory", "instances": $(instances "$faulted" inventory),
     "timeout_ms": 1500, "connect_timeout_ms": 300,
     "circuit_breaker": {"mode": "consecutive", "max_errors": 10, "open_ms": $open_ms, "half_open_calls": 1},
     "outlier_detection": {"consecutive_5xx": 3, "base_ejection_ms": 3000, "max_ejection_percent": 50},
     "retry_budget": {"percent": 50, "min_concurrency": 3}},
    {"name": "recommendations", "instances": $(instances "$faulted" recommendations),
     "timeout_ms": 1000, "connect_timeout_ms": 300}
  ],
  "consumers": [{"id": "soak", "tier": "soak", "api_keys": ["soak-key-0001"]}],
  "auth": {"api_key_header": "X-API-Key"},
  "rate_limits": {
    "response_headers": "draft",
    "anonymous_tier": "anonymous",
    "tiers": {
      "anonymous": {"algorithm": "sliding_counter", "limit": 10000000, "window_ms": 60000},
      "soak": {"algorithm": "token_bucket", "rate": 100000, "burst": 100000}
    },
    "policies": {"limited": {"algorithm": "fixed_window", "limit": 100, "window_ms": 1000, "key": "client_address"}}
  },
  "routes": [
    {"name": "users", "match": {"template": "/api/users/{id}", "methods": ["GET"]},
     "service": "users", "rewrite": "/users/{id}", "timeout_ms": 30000},
    {"name": "products", "match": {"prefix": "/api/products", "methods": ["GET"]},
     "service": "products", "rewrite": "/products{*}", "timeout_ms": 30000, "rate_limit": {"per_consumer": true},
     "response_headers": {"remove": ["X-Mock-Target"],
                          "add": {"X-Content-Type-Options": "nosniff", "X-Soak-Config": "$variant"}}},
    {"name": "orders-read", "match": {"prefix": "/api/orders", "methods": ["GET"]},
     "service": "orders", "rewrite": "/orders{*}", "timeout_ms": 30000,
     "auth": {"methods": ["api_key"]}, "rate_limit": {"per_consumer": true}},
    {"name": "orders-write", "match": {"path": "/api/orders", "methods": ["POST"]},
     "service": "orders", "rewrite": "/orders", "timeout_ms": 30000,
     "auth": {"methods": ["api_key"]}, "rate_limit": {"per_consumer": true}},
    {"name": "reviews", "match": {"prefix": "/api/reviews", "methods": ["GET"]},
     "service": "reviews", "rewrite": "/reviews{*}", "timeout_ms": 30000},
    {"name": "echo", "match": {"prefix": "/api/echo"}, "service": "echo", "strip_prefix": true, "timeout_ms": 30000},
    {"name": "limited", "match": {"prefix": "/api/limited"}, "service": "echo", "strip_prefix": true,
     "timeout_ms": 30000, "rate_limit": {"policies": ["limited"]}},
    {"name": "inventory", "match": {"prefix": "/api/inventory", "methods": ["GET"]},
     "service": "inventory", "rewrite": "/inventory{*}", "timeout_ms": 1500,
     "retry": {"max_retries": 2, "retry_on": ["5xx", "gateway_error", "reset", "timeout"],
               "per_try_timeout_ms": 400, "backoff": {"base_ms": 10, "max_ms": 50}}},
    {"name": "recommendations", "match": {"prefix": "/api/recommendations", "methods": ["GET"]},
     "service": "recommendations", "rewrite": "/recommendations{*}", "timeout_ms": 300}
  ],
  "observability": {"access_log": true, "metrics": true, "correlation_header": "X-Correlation-ID"}
}
EOF
  jq -e '[.services[].instances | length > 0] | all' "$file" > /dev/null 2>&1  # every address was read
}

# The routes a fault is ever injected on; 5xx there is reported, not a failure.
SOAK_FAULTED_ROUTES=(inventory recommendations)
