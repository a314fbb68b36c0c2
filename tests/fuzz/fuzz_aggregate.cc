// Bytes as an aggregation: segments split by a line "--". The first is a route's "aggregate"
// value (loaded by loadAggregate against a fixed config: services a, b, c; the route
// "/x/{id}", GET); if it is not JSON or does not load, a fixed three-part spec is used (one
// merged part with a deny list, two nested, one reading another's answer). Each further
// segment is one part's answer: its first byte picks the call's result ('5' a 503, '4' a 404,
// 't' a timeout, 'c' an open breaker, 'r' a 429, 'o' a 200 with the rest as body; anything
// else a 200 with the whole segment as body), read by readPartBody; parts without a segment
// time out; a part whose dependency failed is skipped, as the stage does. Invariants:
//   - the loader's errors each name a JSON path in the value;
//   - a part's path filled from the answers is a request target: it starts with '/' and has
//     no space, control or non-ASCII byte;
//   - the answer is JSON with the status block holding one entry per part, its status the
//     part's; X-KrakenD-Completed is "true" exactly for a complete answer;
//   - a 200 holds each ok nested part's filtered answer under its group, and each key of an
//     ok merged part's filtered answer either (not reserved, first to claim it) with that
//     value, or listed in its collisions; nothing else besides the status block;
//   - a failure's body has "error" with the answer's status, 4xx or 5xx;
//   - the merge is deterministic.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "libgateway/aggregate/aggregate_merge.h"
#include "libgateway/config/config.h"

namespace {

using nlohmann::json;

const char* const kFallbackSpec = R"({"partial": "allow", "max_part_bytes": 4096, "parts": [
  {"name": "user", "service": "a", "path": "/users/{id}", "merge": true, "deny": ["email"]},
  {"name": "orders", "service": "b", "path": "/orders?userId={id}", "allow": ["orders[].id", "orders[].total"]},
  {"name": "recs", "service": "c", "path": "/recs?u={user.id}&n={user.tags.0}", "group": "recommended"}]})";

std::vector<std::string_view> fuzzSegments(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    const auto cut = text.find("\n--\n");
    out.push_back(text.substr(0, cut));
    if (cut == std::string_view::npos || out.size() > 40) return out;
    text.remove_prefix(cut + 4);
  }
}

std::shared_ptr<const gateway::AggregateSpec> loadFuzzSpec(const json& value, const gateway::Config& config,
                                                           const gateway::RouteConfig& route, bool checkErrors) {
  gateway::FieldErrors errors;
  auto ext = gateway::loadAggregate(value, "", gateway::RouteExtensionContext{config, route}, errors);
  if (checkErrors) gateway::fuzz::checkFieldErrors(errors, errors.empty(), value);
  if (!errors.empty() || !ext) return nullptr;
  return std::static_pointer_cast<const gateway::AggregateSpec>(ext);
}

gateway::PartResult fuzzPartResult(std::string_view segment, std::size_t maxBytes) {
  gateway::PartResult r;
  r.ran = true;
  const char kind = segment.empty() ? 'o' : segment.front();
  auto failed = [&](std::string_view outcome, int status) {
    r.status = gateway::classifyCall(outcome, status);
    r.httpStatus = status;
    r.error = "failed";
  };
  switch (kind) {
    case '5': failed("upstream", 503); return r;
    case '4': failed("upstream", 404); return r;
    case 't': failed("upstream_timeout", 504); return r;
    case 'c': failed("circuit_open", 503); return r;
    case 'r': failed("upstream", 429); return r;
    case 'o': segment.remove_prefix(segment.empty() ? 0 : 1); break;
    default: break;
  }
  r.httpStatus = 200;
  gateway::readPartBody(segment, "", maxBytes, r);
  return r;
}

bool fuzzReserved(const gateway::AggregateSpec& spec, const std::string& key) {
  if (key == spec.statusKey) return true;
  for (const auto& p : spec.parts) {
    if (!p.merge && p.group == key) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto segments = fuzzSegments(std::string_view(reinterpret_cast<const char*>(data), size));
  gateway::Config config;
  for (const char* name : {"a", "b", "c"}) {
    gateway::ServiceConfig s;
    s.name = name;
    config.services.push_back(s);
  }
  gateway::RouteConfig route;
  route.name = "fuzz";
  route.pathType = gateway::PathMatchType::kTemplate;
  route.path = "/x/{id}";
  route.methods = {"GET"};
  std::shared_ptr<const gateway::AggregateSpec> spec;
  const json value = json::parse(segments[0], nullptr, false);
  if (!value.is_discarded()) spec = loadFuzzSpec(value, config, route, true);
  if (!spec) spec = loadFuzzSpec(json::parse(kFallbackSpec), config, route, false);
  FUZZ_CHECK(spec != nullptr, "the fallback spec does not load");
  const std::size_t n = spec->parts.size();

  std::vector<gateway::PartResult> results;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < segments.size()) {
      results.push_back(fuzzPartResult(segments[i + 1], spec->maxPartBytes));
    } else {
      gateway::PartResult r;
      r.ran = true;
      r.status = gateway::PartStatus::kTimeout;
      results.push_back(std::move(r));
    }
  }
  // Dependencies (acyclic: cycles do not load): a part reading a failed part is skipped.
  for (std::size_t pass = 0; pass < n; ++pass) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t d : spec->parts[i].dependsOn) {
        if (results[d].status != gateway::PartStatus::kOk && results[i].status != gateway::PartStatus::kSkipped) {
          results[i] = gateway::PartResult{};
          results[i].error = "dependency failed";
        }
      }
    }
  }
  // The paths, filled from the ok answers.
  std::vector<const json*> documents(n, nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    if (results[i].status == gateway::PartStatus::kOk) documents[i] = &results[i].document;
  }
  gateway::RouteCaptures captures;
  captures.emplace_back("id", "4%2F2 x");
  for (std::size_t i = 0; i < n; ++i) {
    std::string target, why;
    if (!spec->parts[i].path.expand(gateway::PartInputs{&captures, "q=a b&n=%ff", "acme", documents}, target, why)) {
      FUZZ_CHECK(!why.empty(), "a part path not filled, without a reason");
      continue;
    }
    FUZZ_CHECK(!target.empty() && target.front() == '/', "a part target not starting with '/': " + target);
    for (const char c : target) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u > 0x20 && u < 0x7f, "a part target with a byte that breaks the request line: " + target);
    }
  }
  // The expected filtered documents, before the merge moves them out.
  std::vector<json> filtered(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (results[i].status != gateway::PartStatus::kOk) continue;
    filtered[i] = results[i].document;
    spec->parts[i].rules.apply(filtered[i]);
  }
  std::vector<gateway::PartResult> copy = results;
  const bool deadline = size % 7 == 0;
  gateway::AggregateAnswer answer = gateway::buildAggregateAnswer(*spec, results, deadline);
  const gateway::AggregateAnswer again = gateway::buildAggregateAnswer(*spec, copy, deadline);
  FUZZ_CHECK(answer.response.body == again.response.body && answer.response.status == again.response.status,
             "the same parts merged twice differ");

  const json body = json::parse(answer.response.body, nullptr, false);
  FUZZ_CHECK(body.is_object(), "the answer is not a JSON object: " + answer.response.body);
  const std::string_view completed = answer.response.headers.get("X-KrakenD-Completed");
  FUZZ_CHECK(completed == (answer.kind == gateway::AggregateKind::kComplete ? "true" : "false"),
             "X-KrakenD-Completed is \"" + std::string(completed) + "\"");
  FUZZ_CHECK(body.contains(spec->statusKey) && body[spec->statusKey].is_object() && body[spec->statusKey].size() == n,
             "no status block with one entry per part: " + answer.response.body);
  for (std::size_t i = 0; i < n; ++i) {
    const json& entry = body[spec->statusKey][spec->parts[i].name];
    FUZZ_CHECK(entry.value("status", "") == gateway::toString(results[i].status), "a part's status differs: " + entry.dump());
  }
  if (answer.kind == gateway::AggregateKind::kFailed) {
    FUZZ_CHECK(answer.response.status >= 400 && answer.response.status < 600, "a failure answered 2xx or 3xx");
    FUZZ_CHECK(body.contains("error") && body["error"].value("status", 0) == answer.response.status,
               "a failure without its error object: " + answer.response.body);
    return 0;
  }
  FUZZ_CHECK(answer.response.status == 200, "a merged answer is not a 200");
  std::set<std::string> expected{spec->statusKey};
  for (std::size_t i = 0; i < n; ++i) {
    if (results[i].status != gateway::PartStatus::kOk || spec->parts[i].merge) continue;
    FUZZ_CHECK(body.contains(spec->parts[i].group) && body[spec->parts[i].group] == filtered[i],
               "a nested part's answer is not its filtered answer: " + spec->parts[i].name);
    expected.insert(spec->parts[i].group);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (results[i].status != gateway::PartStatus::kOk || !spec->parts[i].merge) continue;
    const auto& collisions = results[i].collisions;
    for (const auto& [key, v] : filtered[i].items()) {
      const bool collided = std::find(collisions.begin(), collisions.end(), key) != collisions.end();
      if (fuzzReserved(*spec, key) || expected.contains(key)) {
        FUZZ_CHECK(collided, "a key claimed twice is not a collision: " + key);
        continue;
      }
      FUZZ_CHECK(!collided && body.contains(key) && body[key] == v, "a merged key lost or changed: " + key);
      expected.insert(key);
    }
  }
  for (const auto& [key, v] : body.items()) FUZZ_CHECK(expected.contains(key), "an unexpected key in the answer: " + key);
  return 0;
}
