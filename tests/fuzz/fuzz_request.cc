// Bytes from a client into the request path: the server's request parser (as the session
// drives it: obsolete line folding refused first, pipelined requests one after another),
// the gateway::Request it builds, then a Gateway with the standard stages on a fixed config
// (routing, path normalisation, API keys and JWTs, rate limits, retries, breakers), whose
// upstream answers at once from a manual scheduler. Invariants:
//   - a refused request gets a 4xx with a code and a message;
//   - a parsed request, written as the gateway writes requests upstream, parses back as
//     exactly one request with the same method, target, fields and body;
//   - what the Gateway sends upstream parses as exactly one request with the body it was given
//     (nothing smuggled), and its path is a normalised one;
//   - every request is answered exactly once, with a status the client can parse back, and
//     nothing is left in flight once the timers have run.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz_support.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/core/manual_time.h"
#include "libgateway/http/path_normalize.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/request_parser.h"
#include "libgateway/net/response_parser.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/stage_list.h"
#include "jwt_fixture_keys.h"

namespace {

using gateway::fuzz::invariantBroken;
namespace http = boost::beast::http;

// The walkthrough's kind of config, with every stage in use and the JWT fixtures' HS256 key.
std::string requestFuzzConfig() {
  return std::string(R"({
  "services": [
    {"name": "users", "instances": [{"id": "u1", "address": "10.0.0.1:80"}, {"id": "u2", "address": "10.0.0.2:80"}],
     "load_balancer": {"algorithm": "round_robin"},
     "outlier_detection": {"consecutive_5xx": 2, "base_ejection_ms": 30000, "max_ejection_percent": 50},
     "retry_budget": {"percent": 20, "min_concurrency": 3}},
    {"name": "products", "load_balancer": {"algorithm": "ring_hash", "hash_on": "header:x-session", "ring_size": 64},
     "instances": [{"id": "p1", "address": "10.0.1.1:80"}, {"id": "p2", "address": "10.0.1.2:80"}]},
    {"name": "orders", "instances": ["10.0.2.1:80"], "timeout_ms": 3000},
    {"name": "payments", "instances": ["10.0.3.1:80"], "concurrency": {"max_requests": 1, "max_pending": 0}},
    {"name": "inventory", "instances": ["10.0.4.1:80"],
     "circuit_breaker": {"mode": "consecutive", "max_errors": 2, "open_ms": 2000, "half_open_calls": 1}},
    {"name": "echo", "instances": ["10.0.5.1:80"]},
    {"name": "canary", "instances": ["10.0.6.1:80"]}
  ],
  "consumers": [
    {"id": "acme", "tier": "free", "api_keys": ["acme-free-key"], "scopes": ["orders:read"]},
    {"id": "globex", "tier": "pro", "api_keys": ["globex-pro-key"], "scopes": ["orders:read", "orders:write"]},
    {"id": "alice", "tier": "pro", "jwt_subject": "alice"}
  ],
  "auth": {
    "api_key_header": "X-API-Key",
    "jwt": {"issuer": "https://issuer.example", "audience": "gateway-tests", "leeway_s": 30,
            "keys": [{"kid": "hs", "algorithms": ["HS256", "HS384", "HS512"], "secret": "@SECRET@"}]}
  },
  "rate_limits": {
    "response_headers": "draft",
    "anonymous_tier": "anonymous",
    "tiers": {
      "anonymous": {"algorithm": "sliding_counter", "limit": 6, "window_ms": 60000},
      "free": {"algorithm": "token_bucket", "limit": 3, "window_ms": 60000},
      "pro": {"algorithm": "token_bucket", "rate": 100, "burst": 200}
    },
    "policies": {
      "payments-global": {"algorithm": "fixed_window", "limit": 2, "window_ms": 1000, "key": "route"},
      "per-ip": {"algorithm": "gcra", "rate": 5, "burst": 2, "key": "client_address"}
    }
  },
  "routes": [
    {"name": "users", "match": {"template": "/api/users/{id}", "methods": ["GET", "HEAD"]},
     "service": "users", "rewrite": "/users/{id}", "timeout_ms": 2000,
     "retry": {"max_retries": 2, "retry_on": ["5xx", "gateway_error"], "backoff": {"base_ms": 10, "max_ms": 50}}},
    {"name": "user-orders", "match": {"template": "/api/users/{id}/orders/{order}"}, "service": "orders",
     "rewrite": "/orders/{order}/users/{id}"},
    {"name": "products", "match": {"prefix": "/api/products", "methods": ["GET", "HEAD"]},
     "service": "products", "rewrite": "/products{*}", "rate_limit": {"per_consumer": true},
     "response_headers": {"remove": ["X-Upstream"], "add": {"X-Content-Type-Options": "nosniff"}}},
    {"name": "orders-read", "match": {"prefix": "/api/orders", "methods": ["GET", "HEAD"]},
     "service": "orders", "rewrite": "/orders{*}",
     "auth": {"methods": ["api_key", "jwt"], "scopes": ["orders:read"]}, "rate_limit": {"per_consumer": true}},
    {"name": "orders-write", "match": {"path": "/api/orders", "methods": ["POST", "PUT"]},
     "service": "orders", "auth": {"methods": ["api_key", "jwt"], "scopes": ["orders:write"]}},
    {"name": "payments", "match": {"path": "/api/payments", "methods": ["POST"]},
     "service": "payments", "rewrite": "/payments", "rate_limit": {"policies": ["payments-global", "per-ip"]}},
    {"name": "inventory", "match": {"prefix": "/api/inventory"}, "service": "inventory", "rewrite": "/inventory{*}"},
    {"name": "admin", "match": {"prefix": "/admin", "hosts": ["admin.example.com", "*.internal"]},
     "service": "users", "auth": {"methods": ["jwt"], "roles": ["admin"]}},
    {"name": "canary", "match": {"prefix": "/shop", "headers": {"X-Canary": "1"}},
     "split": [{"service": "canary", "weight": 10}, {"service": "products", "weight": 90}]},
    {"name": "echo", "match": {"prefix": "/api/echo"}, "service": "echo", "strip_prefix": true,
     "host_rewrite": "echo.internal", "auth": {"methods": ["api_key", "jwt"], "optional": true, "hide_credentials": true}},
    {"name": "root", "match": {"prefix": "/"}, "service": "echo", "preserve_host": false, "strip_prefix": true}
  ],
  "observability": {"access_log": false, "metrics": true, "correlation_header": "X-Correlation-ID"}
})");
}

std::shared_ptr<const gateway::Config> loadFuzzConfig() {
  std::string text = requestFuzzConfig();
  const std::string secret = gateway::fuzz::trimmedFixture(kFixture_hs_secret);
  text.replace(text.find("@SECRET@"), 8, secret);
  gateway::ConfigLoad load = gateway::parseConfig(text);
  if (!load.ok()) invariantBroken(__FILE__, __LINE__, "the fixed config loads", load.errors.text());
  return load.config;
}

// Parses one request from the front of `bytes` as the session does. nullopt: incomplete
// input. `used` is how much of `bytes` the request took.
struct ParseOutcome {
  bool complete = false;  // a whole request, or a refusal
  bool refused = false;
  gateway::net::RequestFailure failure;
  gateway::Request request;
  bool keepAlive = false;
  std::size_t used = 0;
};

ParseOutcome parseOne(std::string_view bytes, const gateway::net::HttpLimits& limits) {
  ParseOutcome out;
  if (gateway::net::RequestParser::hasObsFold(bytes)) {
    out.complete = out.refused = true;
    out.failure = {400, "bad_field", "obsolete line folding"};
    return out;
  }
  gateway::net::RequestParser parser(limits);
  std::string_view rest = bytes;
  while (true) {
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more || (!ec && used == 0 && !parser.is_done())) return out;  // incomplete
    if (ec) {
      out.complete = out.refused = true;
      out.failure = parser.failure(ec, bytes);
      return out;
    }
    if (parser.is_done()) break;
  }
  out.complete = true;
  out.used = bytes.size() - rest.size();
  out.keepAlive = parser.keep_alive();
  out.request = std::move(parser.request());
  return out;
}

bool skippedOnTheWire(std::string_view name, bool keepHost) {
  return gateway::iequals(name, "connection") || gateway::iequals(name, "keep-alive") ||
         gateway::iequals(name, "content-length") || gateway::iequals(name, "transfer-encoding") ||
         gateway::iequals(name, "expect") || (!keepHost && gateway::iequals(name, "host"));
}

std::string fieldsOf(const gateway::Headers& headers, bool keepHost) {
  std::string out;
  for (const auto f : headers) {
    if (skippedOnTheWire(f.name, keepHost)) continue;
    out.append(f.name).append(": ").append(f.value).append("\n");
  }
  return out;
}

// `request`, as written upstream, must parse back as exactly one request like it.
void checkRoundTrip(const gateway::Request& request, const gateway::net::HttpLimits& limits, const char* what) {
  std::string wire;
  gateway::net::writeRequestHead(wire, request, "fuzz.invalid");
  wire += request.body;
  ParseOutcome again = parseOne(wire, limits);
  FUZZ_CHECK(again.complete && !again.refused,
             std::string(what) + " does not parse back: " + again.failure.code + " " + again.failure.message + "\n" + wire);
  FUZZ_CHECK(again.used == wire.size(), std::string(what) + " parses back as more than one request:\n" + wire);
  FUZZ_CHECK(again.request.method == request.method, std::string(what) + " method changed:\n" + wire);
  FUZZ_CHECK(again.request.target == request.target, std::string(what) + " target changed:\n" + wire);
  FUZZ_CHECK(again.request.body == request.body, std::string(what) + " body changed:\n" + wire);
  const bool hadHost = request.headers.has("host");
  FUZZ_CHECK(fieldsOf(again.request.headers, hadHost) == fieldsOf(request.headers, hadHost),
             std::string(what) + " fields changed:\n" + wire);
}

// Answers every send on the next timer tick, never inline (the transport contract), with an
// answer picked from the request so that retries, breakers and ejections all happen.
class ImmediateTransport final : public gateway::UpstreamTransport {
 public:
  ImmediateTransport(gateway::Scheduler& scheduler, gateway::Clock& clock, const gateway::net::HttpLimits& limits)
      : scheduler_(scheduler), clock_(clock), limits_(limits) {}

  void send(const gateway::Endpoint&, gateway::Request request, gateway::TimePoint,
            std::function<void(gateway::UpstreamResult)> done) override {
    ++sends;
    FUZZ_CHECK(!request.stream, "a whole request was sent upstream as a stream");
    checkRoundTrip(request, limits_, "the upstream request");
    if (!request.target.empty() && request.target.front() == '/') {
      const auto query = request.target.find('?');
      const std::string_view path = std::string_view(request.target).substr(0, query);
      const auto again = gateway::normalizePath(path);
      FUZZ_CHECK(again.ok(), "the upstream path is refused by the normaliser: " + request.target);
    }
    gateway::UpstreamResult result;
    const std::size_t pick = (request.target.size() + request.body.size() + sends) % 7;
    if (pick == 5) {
      result.outcome = gateway::UpstreamOutcome::kConnectError;
      result.detail = "refused";
    } else {
      result.response.status = pick == 4 ? 503 : pick == 6 ? 429 : 200;
      result.response.headers.add("Content-Type", "text/plain");
      result.response.headers.add("X-Upstream", "fuzz");
      if (pick == 6) result.response.headers.add("Retry-After", "1");
      result.response.body = request.method + " " + request.target;
    }
    scheduler_.schedule(clock_.now(), [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  std::size_t sends = 0;

 private:
  gateway::Scheduler& scheduler_;
  gateway::Clock& clock_;
  const gateway::net::HttpLimits& limits_;
};

// The client's view of an answer: the head the session writes, parsed back.
void checkAnswer(const gateway::Response& response, bool head) {
  FUZZ_CHECK(response.status >= 200 && response.status <= 599, "answer status " + std::to_string(response.status));
  std::string wire;
  gateway::net::ResponseFraming framing;
  framing.headRequest = head;
  gateway::net::writeResponseHead(wire, response, framing);
  if (!head && !gateway::net::responseHasNoBody(response.status, head)) wire += response.body;
  gateway::net::ResponseParser parser(1 << 20, 1 << 16, head);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  FUZZ_CHECK(!ec && parser.is_done(), "the answer does not parse back: " + ec.message() + "\n" + wire);
  FUZZ_CHECK(parser.response().status == response.status, "the answer's status changed:\n" + wire);
}

struct RequestWorld {
  explicit RequestWorld(std::shared_ptr<const gateway::Config> config)
      : clock(gateway::seconds(1'750'000'000)),  // the JWT fixtures' "now"
        scheduler(clock),
        transport(scheduler, clock, limits),
        random(7),
        env{clock, scheduler, transport, random},
        shared(std::move(config)),
        gateway(shared, env) {
    gateway::installStandardStages(gateway, shared, env);
  }

  gateway::net::HttpLimits limits;
  gateway::ManualClock clock;
  gateway::ManualScheduler scheduler;
  ImmediateTransport transport;
  gateway::Random random;
  gateway::Env env;
  gateway::SharedState shared;
  gateway::Gateway gateway;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const gateway::Config> config = loadFuzzConfig();
  // A fresh gateway per input: no limiter, breaker or cache state carries over.
  RequestWorld world(config);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t handled = 0, answered = 0;
  for (int n = 0; n < 16 && !bytes.empty(); ++n) {
    ParseOutcome parsed = parseOne(bytes, world.limits);
    if (!parsed.complete) break;
    if (parsed.refused) {
      const auto& f = parsed.failure;
      FUZZ_CHECK(f.status >= 400 && f.status <= 499 && !f.code.empty() && !f.message.empty(),
                 "refusal " + std::to_string(f.status) + " " + f.code + " " + f.message);
      break;
    }
    FUZZ_CHECK(parsed.used > 0 && parsed.used <= bytes.size(), "the parser took no bytes for a whole request");
    bytes.remove_prefix(parsed.used);
    checkRoundTrip(parsed.request, world.limits, "the parsed request");

    gateway::Request request = std::move(parsed.request);
    request.clientAddress = n % 2 ? "192.0.2.10:51000" : "[2001:db8::1]:443";
    const bool head = request.method == "HEAD";
    ++handled;
    world.gateway.handle(std::move(request), [&answered, head](gateway::Response response) {
      ++answered;
      checkAnswer(response, head);
    });
    // Until the answer: upstream replies, retry backoffs, deadlines. Timers that outlive it
    // (limiter and breaker housekeeping) are left to the next request or dropped.
    for (int events = 0; answered < handled && events < 1000 && world.scheduler.runNext(); ++events) {
    }
    FUZZ_CHECK(answered == handled, "request " + std::to_string(handled) + " was answered " +
                                        std::to_string(answered) + " times in all");
    if (!parsed.keepAlive) break;
  }
  FUZZ_CHECK(world.gateway.inFlight() == 0, "exchanges left in flight: " + std::to_string(world.gateway.inFlight()));
  return 0;
}
