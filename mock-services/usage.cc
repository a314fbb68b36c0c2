#include "mock-services/usage.h"

namespace gateway::mock {

std::string usageFooter() {
  return R"(Endpoints (on every instance's port; ids and data are deterministic for a seed):
  users            GET /users?limit=1-100&offset=N (default 20, 1000 users)   200
                   GET /users/{id}  id 1-1000                   200, 404 unknown, 400 not a number
  orders           GET /orders?userId=N   userId required       200, 400 without it, 404 unknown user
                   GET /orders/{id}  id = userId*10 + k         200, 404
                   POST /orders  any body                       201 {"id", "status": "created"}
  products         GET /products?category=C&limit=1-100         200
                   GET /products/{id}  id 1-500                 200, 404, 400
  payments         POST /payments {"amount_cents": N, "order_id": ...}
                                                                201 authorized (declined above 100000),
                                                                400 not a JSON object or no positive amount
                   GET /payments/pay_...                        200, 404
  inventory        GET /inventory/{productId}  1-500            200, 404 (also for /inventory alone)
  reviews          GET /reviews?productId=N   productId required
                                                                200, 400 without it, 404 (/reviews/3 too)
  recommendations  GET /recommendations?userId=N   userId required   200, 400, 404
  echo             any method, any path: the request as JSON (method, target, path, query,
                   headers, body, client)
  Every service: a method the path does not take answers 405 with Allow; an unknown path 404.
  Errors are {"error": {"status", "code", "message"}}. Answers carry X-Mock-Service,
  X-Mock-Instance and X-Mock-Target (the target the instance received). The instance model
  answers 503 "overloaded" when workers and queue are full, and error_status (500) for the
  spec's error_rate share.

Control endpoints (on every port; they skip faults, the model and the counters, except /_echo):
  GET /_health          {"status": "ok"}
  GET /_stats           per-instance counters (requests, responses by status, rejected,
                        aborted, resets, hangs, delayed, busy, queued) and active faults
  ANY /_echo[/...]      the request as JSON, from any service kind
  GET /_faults          the active faults
  POST /_faults         add a fault, or {"faults": [...]}: 201 {"added", "active"}; 400 with
                        each error's path. One fault set serves the whole process: any port
                        manages every service.
  DELETE /_faults       remove all faults (?service=NAME: only that service's)
  A fault: {"kind": K, "service": S, "instance": I, "at_s": delay, "for_s": duration, ...}
    kinds: latency (latency_ms, jitter_ms), abort (status, default 503), reset, hang,
    down (connections refused), flapping (period_s), capacity (capacity: share of workers
    left), slow_body (bytes_per_s, slice_bytes); "probability" per request for latency,
    abort, reset, hang and slow_body. No "service": every service; no "for_s": until removed.
    curl -X POST localhost:18101/_faults -d '{"kind": "abort", "service": "orders", "status": 500}'
    curl -X DELETE localhost:18101/_faults
  Per request headers: x-fault-delay-ms: N, x-fault-abort: STATUS, x-fault-reset: 1,
  x-fault-hang: 1, x-fault-slow-body-bps: N.

Config (--config FILE; mock-services/example.json):
  {"seed": 42, "host": "127.0.0.1",
   "services": [{"name": "users", "instances": 2, "port": 18101,
                 "spec": {"workers": 16, "queue": 128, "error_rate": 0.001,
                          "latency": {"kind": "lognormal", "median_ms": 5, "p99_ms": 40}}},
                {"name": "catalog", "kind": "products",
                 "instances": [{"id": "catalog-a", "port": 0}]}]}
  "kind" (users, orders, products, payments, inventory, reviews, recommendations, echo)
  defaults to the name when it is one of them, else echo. With "port": N instance i binds
  N+i; port 0 picks a free port. Latency kinds: constant (ms), uniform (min_ms, max_ms),
  exponential (mean_ms), lognormal (median_ms, p99_ms), bimodal (first, second,
  second_probability). Errors name the field's JSON path.

Once listening it prints one JSON line on stdout:
  {"pid": N, "services": {"users": [{"instance": "users-1", "port": N, "address": "127.0.0.1:N"}]}}
Stop it with Ctrl-C (SIGINT) or SIGTERM: it closes its ports and exits 0.
Exit codes: 0 ok; 2 bad flags, config or scenario; 3 a port cannot be bound.
More: mock-services/README.md)";
}

}  // namespace gateway::mock
