#include "libgateway/aggregate/aggregate_merge.h"

#include <algorithm>

#include <fmt/format.h>

#include "libgateway/http/headers.h"

namespace gateway {

namespace {

constexpr std::string_view kAggregateCompletedHeader = "X-KrakenD-Completed";

bool mergeReservedKey(const AggregateSpec& spec, std::string_view key) {
  if (key == spec.statusKey) return true;
  return std::any_of(spec.parts.begin(), spec.parts.end(),
                     [&](const AggregatePart& p) { return !p.merge && p.group == key; });
}

// The failure answer's status (see the header).
int aggregateFailureStatus(const std::vector<PartResult>& results, std::size_t okCount, bool deadlinePassed) {
  if (okCount == 0) {
    int shared4xx = 0;
    bool agree = true;
    for (const PartResult& r : results) {
      if (r.status == PartStatus::kSkipped) continue;
      const bool clientError = r.status == PartStatus::k4xx || r.status == PartStatus::kRateLimited;
      if (!clientError || (shared4xx != 0 && r.httpStatus != shared4xx)) {
        agree = false;
        break;
      }
      shared4xx = r.httpStatus;
    }
    if (agree && shared4xx != 0) return shared4xx;
  }
  if (deadlinePassed) return 504;
  bool anyFailure = false, allTimeouts = true;
  for (const PartResult& r : results) {
    if (r.status == PartStatus::kOk || r.status == PartStatus::kSkipped) continue;
    anyFailure = true;
    allTimeouts = allTimeouts && r.status == PartStatus::kTimeout;
  }
  return anyFailure && allTimeouts ? 504 : 502;
}

}  // namespace

std::string_view toString(PartStatus status) {
  switch (status) {
    case PartStatus::kOk: return "ok";
    case PartStatus::kTimeout: return "timeout";
    case PartStatus::k5xx: return "5xx";
    case PartStatus::k4xx: return "4xx";
    case PartStatus::kCircuitOpen: return "circuit_open";
    case PartStatus::kRateLimited: return "rate_limited";
    case PartStatus::kBadResponse: return "bad_response";
    case PartStatus::kSkipped: return "skipped";
  }
  return "skipped";
}

PartStatus classifyCall(std::string_view outcome, int status) {
  if (outcome == "circuit_open") return PartStatus::kCircuitOpen;
  if (outcome == "upstream_timeout" || outcome == "pending_timeout") return PartStatus::kTimeout;
  if (outcome != "upstream") return PartStatus::k5xx;  // the gateway's 502/503: no answer to use
  if (status == 429) return PartStatus::kRateLimited;
  if (status >= 500) return PartStatus::k5xx;
  if (status >= 400) return PartStatus::k4xx;
  if (status >= 200 && status < 300) return PartStatus::kOk;
  return PartStatus::kBadResponse;  // 1xx, 3xx: nothing to merge
}

std::size_t jsonDepth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void readPartBody(std::string_view body, std::string_view contentEncoding, std::size_t maxBytes, PartResult& result) {
  result.status = PartStatus::kBadResponse;
  if (body.size() > maxBytes) {
    result.error = fmt::format("the answer is {} bytes, over max_part_bytes ({})", body.size(), maxBytes);
    return;
  }
  if (!contentEncoding.empty() && !iequals(contentEncoding, "identity")) {
    result.error = fmt::format("the answer is compressed (Content-Encoding: {})", contentEncoding);
    return;
  }
  if (jsonDepth(body, kMaxPartDepth) > kMaxPartDepth) {
    result.error = fmt::format("the answer nests deeper than {} levels", kMaxPartDepth);
    return;
  }
  try {
    result.document = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    result.document = nullptr;
    result.error = fmt::format("the answer is not JSON (at byte {})", e.byte);
    return;
  }
  if (!result.document.is_object()) {
    result.error = fmt::format("the answer is a JSON {}, not an object", result.document.type_name());
    result.document = nullptr;
    return;
  }
  result.status = PartStatus::kOk;
  result.error.clear();
}

nlohmann::json statusBlock(const AggregateSpec& spec, const std::vector<PartResult>& results) {
  nlohmann::json block = nlohmann::json::object();
  for (std::size_t i = 0; i < spec.parts.size() && i < results.size(); ++i) {
    const PartResult& r = results[i];
    nlohmann::json entry = {{"status", toString(r.status)}};
    if (r.httpStatus != 0) entry["http_status"] = r.httpStatus;
    if (r.ran) entry["ms"] = r.elapsed / kMillisecond;
    if (!r.error.empty()) entry["error"] = r.error;
    if (!r.collisions.empty()) entry["collisions"] = r.collisions;
    block[spec.parts[i].name] = std::move(entry);
  }
  return block;
}

nlohmann::json mergeParts(const AggregateSpec& spec, std::vector<PartResult>& results) {
  nlohmann::json out = nlohmann::json::object();
  const std::size_t n = std::min(spec.parts.size(), results.size());
  for (std::size_t i = 0; i < n; ++i) {
    PartResult& r = results[i];
    if (r.status != PartStatus::kOk) continue;
    spec.parts[i].rules.apply(r.document);
    if (!spec.parts[i].merge) out[spec.parts[i].group] = std::move(r.document);
  }
  for (std::size_t i = 0; i < n; ++i) {
    PartResult& r = results[i];
    if (r.status != PartStatus::kOk || !spec.parts[i].merge || !r.document.is_object()) continue;
    for (auto& [key, value] : r.document.get_ref<nlohmann::json::object_t&>()) {
      if (mergeReservedKey(spec, key) || out.contains(key)) {
        r.collisions.push_back(key);
        continue;
      }
      out[key] = std::move(value);
    }
    r.document = nullptr;
  }
  out[spec.statusKey] = statusBlock(spec, results);
  return out;
}

AggregateAnswer buildAggregateAnswer(const AggregateSpec& spec, std::vector<PartResult>& results, bool deadlinePassed) {
  AggregateAnswer answer;
  std::size_t okCount = 0;
  std::string failed, optionalFailed;  // the parts whose failure counts, and the others
  for (std::size_t i = 0; i < results.size() && i < spec.parts.size(); ++i) {
    if (results[i].status == PartStatus::kOk) {
      ++okCount;
      continue;
    }
    std::string& list = spec.parts[i].optional ? optionalFailed : failed;
    if (!list.empty()) list += ", ";
    list += fmt::format("{} ({})", spec.parts[i].name, toString(results[i].status));
  }
  const bool complete = failed.empty() && okCount > 0;
  if (failed.empty()) failed = std::move(optionalFailed);  // every part optional, and none ok
  Response& response = answer.response;
  response.headers.set("Content-Type", "application/json");
  if (complete || (okCount > 0 && spec.partial == PartialPolicy::kAllow)) {
    answer.kind = complete ? AggregateKind::kComplete : AggregateKind::kPartial;
    answer.outcome = complete ? "aggregate" : "aggregate_partial";
    response.status = 200;
    response.body = mergeParts(spec, results).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.headers.set(kAggregateCompletedHeader, complete ? "true" : "false");
    return answer;
  }
  answer.kind = AggregateKind::kFailed;
  answer.outcome = "aggregate_failed";
  response.status = aggregateFailureStatus(results, okCount, deadlinePassed);
  const std::string message = deadlinePassed
                                  ? fmt::format("the route's deadline of {} ms passed; failed: {}", spec.timeout / kMillisecond, failed)
                              : okCount == 0 ? fmt::format("every part failed: {}", failed)
                                             : fmt::format("parts failed: {}", failed);
  nlohmann::json body = {{"error", {{"status", response.status}, {"code", "aggregate_failed"}, {"message", message}}}};
  body[spec.statusKey] = statusBlock(spec, results);
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.headers.set(kAggregateCompletedHeader, "false");
  return answer;
}

}  // namespace gateway
