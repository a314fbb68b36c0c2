# The steps of WALKTHROUGH.md with the answers they must give; sourced by check.sh, which
# defines step, status, header, header_like, no_header, json, output, has_line and exits.
# Numbers and commands are the walk-through's; keep both files in step.
# shellcheck shell=bash

# ---- 1. The gateway answers --------------------------------------------------------------
step 1 'curl -si $ADMIN/health'
status 200
json .status ok

step 2 'curl -si $GW/api/products/7'
status 200
header X-Mock-Service products
header X-Content-Type-Options nosniff
no_header X-Mock-Target
header RateLimit-Policy '"anonymous";q=60;w=60'
header_like X-Correlation-ID '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
json .name 'Classic Keyboard'
json .price_cents 9141

step 3 'curl -si $GW/api/users/42'
status 200
header X-Mock-Target /users/42
json .name 'Dennis Knuth'

step 4 'curl -si $GW/api/nothing-here'
status 404
json .error.code no_route
json .error.message 'no route for GET /api/nothing-here'

step 5 'curl -si -X DELETE $GW/api/products/7'
status 405
header Allow 'GET, HEAD'
json .error.code method_not_allowed

step 6 'curl -si $GW/api/reviews/3'
status 404
header X-Mock-Service reviews
json .error.code not_found
json .error.message 'no resource at /reviews/3'

step 7 'curl -s "$GW/api/reviews?productId=3" | jq -c .'
json .product_id 3
json '.reviews | length' 4
json .average 4

# ---- 2. Load balancing ---------------------------------------------------------------------
step 8 'for i in 1 2 3 4; do curl -s -o /dev/null -D - $GW/api/users/42 | grep -i x-mock-instance; done'
# round robin: three different instances, then the first again
[[ $(cut -d' ' -f2 <<< "$OUT" | head -n 3 | sort -u | tr '\n' ' ') == "users-1 users-2 users-3 " ]] ||
  problem "expected users-1, users-2 and users-3 in turn"
[[ $(sed -n 1p <<< "$OUT") == "$(sed -n 4p <<< "$OUT")" ]] || problem "expected the 4th answer from the 1st instance"

step 9 'for s in dave dave erin erin; do curl -s -o /dev/null -D - -H "x-session: $s" $GW/api/products/1 | grep -i x-mock-instance; done'
# ring_hash on x-session: one session, one instance
(($(wc -l <<< "$OUT") == 4)) || problem "expected 4 answers"
[[ $(sed -n 1p <<< "$OUT") == "$(sed -n 2p <<< "$OUT")" ]] || problem "dave: expected the same instance twice"
[[ $(sed -n 3p <<< "$OUT") == "$(sed -n 4p <<< "$OUT")" ]] || problem "erin: expected the same instance twice"

# ---- 3. Consumers: API keys, JWT, scopes ---------------------------------------------------
step 10 'curl -si "$GW/api/orders?userId=42"'
status 401
header WWW-Authenticate 'Bearer realm="gateway"'
json .error.code missing_credentials

step 11 'curl -si -H "X-API-Key: no-such-key" "$GW/api/orders?userId=42"'
status 401
header WWW-Authenticate 'ApiKey realm="gateway", error="invalid_key"'
json .error.code invalid_api_key

step 12 'curl -si -H "X-API-Key: acme-free-key" "$GW/api/orders?userId=42"'
status 200
header RateLimit-Policy '"free";q=3;w=60'
header_like RateLimit '^"free";r=2;t=[0-9]+$'
json '.orders | length' 3
json '.orders[0].id' 420

step 13 'curl -si -H "X-API-Key: acme-free-key" $GW/api/orders'
status 400
header X-Mock-Service orders
header_like RateLimit '^"free";r=1;t=[0-9]+$'
json .error.message 'userId: required (/orders?userId=42)'

step 14 'curl -si -H "X-API-Key: acme-free-key" -X POST -d '\''{"items": []}'\'' $GW/api/orders'
status 403
json .error.code insufficient_scope

step 15 'curl -si -H "Authorization: Bearer $(tools/walkthrough/token.sh alice orders:read)" $GW/api/orders/421'
status 200
header RateLimit-Policy '"pro";q=200;w=2'
json .id 421
json .status shipped

step 16 'curl -si -H "Authorization: Bearer $(tools/walkthrough/token.sh alice orders:read)" -X POST -d '\''{"items": []}'\'' $GW/api/orders'
status 403
header_like WWW-Authenticate 'error="insufficient_scope".*scope="orders:write"'
json .error.code insufficient_scope

step 17 'curl -si -H "Authorization: Bearer $(tools/walkthrough/token.sh alice "orders:read orders:write")" -X POST -d '\''{"items": []}'\'' $GW/api/orders'
status 201
header X-Mock-Service orders
json .status created

step 18 'curl -si -H "Authorization: Bearer $(tools/walkthrough/token.sh alice orders:read -60)" $GW/api/orders/421'
status 401
header WWW-Authenticate 'Bearer realm="gateway", error="invalid_token", error_description="the token has expired"'
json .error.code invalid_token

step 19 'curl -s -H "X-API-Key: globex-pro-key" -H "X-Consumer: forged" -H "X-Correlation-ID: walkthrough-19" "$GW/api/echo/hello?lang=en" | jq -c .'
json .target '/hello?lang=en'
json '[.headers[] | select(.[0] == "Host")][0][1]' echo.internal
json '[.headers[] | select(.[0] == "X-Consumer")] | map(.[1])' '["globex"]'
json '[.headers[] | select(.[0] == "X-User-ID")][0][1]' globex
json '[.headers[] | select(.[0] == "X-API-Key")] | length' 0
json '[.headers[] | select(.[0] == "X-Correlation-ID")][0][1]' walkthrough-19
json '[.headers[] | select(.[0] == "traceparent")] | length' 1

# ---- 4. Rate limits --------------------------------------------------------------------------
step 20 'curl -si -H "X-API-Key: acme-free-key" "$GW/api/orders?userId=7"'
status 200
header_like RateLimit '^"free";r=0;t=[0-9]+$'

step 21 'curl -si -H "X-API-Key: acme-free-key" "$GW/api/orders?userId=7"'
status 429
header_like Retry-After '^([1-9]|1[0-9]|20)$'
header RateLimit-Policy '"free";q=3;w=60'
header_like RateLimit '^"free";r=0;t=([1-9]|1[0-9]|20)$'
json .error.code rate_limited
json .error.policy free
json '.error.retry_after_ms > 0 and .error.retry_after_ms <= 20000' true
[[ $(header_value RateLimit) == *";t=$(header_value Retry-After)" ]] || problem "RateLimit t= is not Retry-After"

# ---- 5. Timeouts, retries, outlier detection -----------------------------------------------
step 22 'curl -si -H "x-fault-delay-ms: 500" "$GW/api/recommendations?userId=42"'
status 504
json .error.code upstream_timeout

step 23 'curl -s -X POST $MOCKS/_faults -d '\''{"kind": "abort", "service": "users", "instance": "users-1", "status": 503}'\'''
json .active 1
json '.added[0].kind' abort
json '.added[0].instance' users-1

step 24 'for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w "%{http_code} " $GW/api/users/7; done; echo'
output '200 200 200 200 200 200 '

step 25 'curl -s $MOCKS/_stats | jq -c '\''.instances[] | select(.service == "users") | {instance, aborted}'\'''
has_line '{"instance":"users-1","aborted":2}'
has_line '{"instance":"users-2","aborted":0}'
has_line '{"instance":"users-3","aborted":0}'

step 26 'curl -s $ADMIN/stats | jq -c '\''.policies.outlier_detection.users.instances["users-1"] | {ejected, times_ejected}'\'''
output '{"ejected":true,"times_ejected":1}'

step 27 'curl -s -X DELETE $MOCKS/_faults'
json .removed 1
json .active 0

# ---- 6. The circuit breaker ------------------------------------------------------------------
step 28 'curl -s -X POST $MOCKS/_faults -d '\''{"kind": "abort", "service": "inventory", "status": 500}'\'''
json .active 1

step 29 'for i in 1 2 3 4 5; do curl -s -o /dev/null -w "%{http_code} " $GW/api/inventory/7; done; echo'
output '500 500 500 503 503 '

step 30 'curl -si $GW/api/inventory/7'
status 503
header_like Retry-After '^[12]$'
json .error.code circuit_open

step 31 'curl -s $ADMIN/stats | jq -c '\''.policies.circuit_breakers.inventory | {state, rejected, reason: .history[-1].reason}'\'''
output '{"state":"open","rejected":3,"reason":"3 consecutive failures (more than max_errors 2)"}'

step 32 'curl -s -X DELETE "$MOCKS/_faults?service=inventory"; echo; curl -s $GW/api/inventory/7'
has_line '{"active":0,"removed":1}'
has_line '{"error":{"status":503,"code":"circuit_open","message":"service \"inventory\" is failing: its circuit breaker is open"}}'

step 33 'sleep 2; curl -si $GW/api/inventory/7'
status 200
json .product_id 7
json .warehouse AMS-2

step 34 'curl -s $ADMIN/stats | jq -r '\''.policies.circuit_breakers.inventory.history[] | "\(.from) -> \(.to): \(.reason)"'\'''
output 'closed -> open: 3 consecutive failures (more than max_errors 2)
open -> half_open: open for 2000 ms; admitting 1 trial call
half_open -> closed: 1 trial call succeeded'

# ---- 7. A concurrency cap --------------------------------------------------------------------
step 35 'curl -s -o /dev/null -w "first: %{http_code}\n" -H "x-fault-delay-ms: 1000" -X POST -d '\''{"amount_cents": 1999}'\'' $GW/api/payments &
for i in $(seq 100); do curl -s $ADMIN/stats | jq -e ".policies.concurrency.payments.in_flight == 1" > /dev/null && break; sleep 0.05; done
curl -si -X POST -d '\''{"amount_cents": 500}'\'' $GW/api/payments; echo; wait'
status 503
header RateLimit-Policy '"payments-global";q=100;w=1'
[[ $BODY == *'"code":"overloaded"'* ]] || problem "expected the code overloaded"
has_line 'first: 201'

# ---- 8. The admin API: stats, metrics, access log --------------------------------------------
step 36 'curl -s $ADMIN/stats | jq -c '\''{config_version, ready, requests: .requests.by_code}'\'''
json .config_version 1
json .ready true
json '.requests["429"]' 1
json '.requests["504"]' 1

step 37 'curl -s $ADMIN/metrics | grep -E '\''^gateway_(circuit_state|outlier_ejected|ratelimit_decisions_total)\{'\'''
has_line 'gateway_circuit_state{service="inventory"} 0'
has_line 'gateway_outlier_ejected{service="users",instance="users-1"} 1'
has_line 'gateway_ratelimit_decisions_total{route="orders-read",result="deny"} 1'

step 38 'grep '\''"status":429'\'' $WORK/access.log | jq -c '\''{route, consumer, status, limit, limit_policy, retry_after_ms}'\'''
json .route orders-read
json .consumer acme
json .limit deny
json .limit_policy free

# ---- 9. Reload -------------------------------------------------------------------------------
step 39 'jq '\''.rate_limits.tiers.free.limit = 6'\'' $WORK/gateway.json > $WORK/next.json && mv $WORK/next.json $WORK/gateway.json
curl -si -X POST $ADMIN/reload'
status 200
json .status reloaded
json .version 2
json .warnings '[]'

step 40 'curl -si -H "X-API-Key: acme-free-key" "$GW/api/orders?userId=7"'
status 200
header RateLimit-Policy '"free";q=6;w=60'
header_like RateLimit '^"free";r=5;t=[0-9]+$'

step 41 'cp $WORK/gateway.json $WORK/good.json
jq '\''.routes[0].service = "userz"'\'' $WORK/good.json > $WORK/gateway.json
curl -si -X POST $ADMIN/reload
cp $WORK/good.json $WORK/gateway.json'
status 400
json .status rejected
json .version 2
json '.errors[0].path' /routes/0/service
json '.errors[0].message' 'unknown service "userz" (did you mean "users"?)'

step 42 'kill -HUP $GATEWAYD_PID; sleep 1; curl -s $ADMIN/stats | jq .config_version'
output 3

# ---- 10. mock-services on its own -----------------------------------------------------------
step 43 'curl -s "$MOCKS/_echo/anything?x=1" | jq -c '\''{method, path, query}'\'''
output '{"method":"GET","path":"/_echo/anything","query":"x=1"}'

step 44 'curl -s $MOCKS/_faults'
output '{"faults":[]}'

# ---- 11. Stop --------------------------------------------------------------------------------
step 45 'kill -TERM $GATEWAYD_PID'
exits "$GATEWAYD_PID" 0 'gatewayd: stopped' "$WORK/gatewayd.err"
GATEWAYD_PID=""

step 46 'kill -INT $MOCKS_PID'
exits "$MOCKS_PID" 0 '' /dev/null
MOCKS_PID=""
