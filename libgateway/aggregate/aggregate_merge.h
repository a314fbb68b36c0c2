// The policy of an aggregation, without any I/O: what each part's answer counts as, how the
// parts' documents become one, and what the client gets (libgateway/README.md, "Aggregation").
//  - A part is `ok` (a 2xx whose body is a JSON object within max_part_bytes), `timeout`,
//    `5xx`, `4xx`, `circuit_open`, `rate_limited` (its service answered 429),
//    `bad_response` (not JSON, not an object, compressed, nested too deep, over
//    max_part_bytes, or a 1xx/3xx) or `skipped` (a dependency failed, or its path had no
//    value to fill).
//  - The merge, in config order: each ok part's document after its allow/deny/rename rules
//    either nests under its group or merges into the top level. Group names and the status
//    key are reserved: a merged key equal to one is dropped; between merged parts the earlier
//    part's key is kept. Every dropped key is listed under that part's "collisions" in the
//    status block (collisions knowable from allow lists are load errors instead).
//  - The answer: every part ok -> 200, X-KrakenD-Completed: true (an "optional" part's
//    failure does not count, though the status block shows it). Some failed -> with
//    "partial": "allow", 200 with the parts that succeeded, X-KrakenD-Completed: false; with
//    "fail", the failure answer. Every part failed -> the failure answer in both policies:
//    the 4xx every part that answered gave, when they agree (a dashboard of an unknown user is
//    a 404); else 504 when the route's deadline passed or every failure was a timeout; else
//    502. Its body: {"error": {...}, STATUS_KEY: {...}}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/aggregate_config.h"
#include "libgateway/http/message.h"

namespace gateway {

enum class PartStatus : std::uint8_t { kOk, kTimeout, k5xx, k4xx, kCircuitOpen, kRateLimited, kBadResponse, kSkipped };
inline constexpr std::size_t kPartStatusCount = 8;
std::string_view toString(PartStatus status);

// Nesting deeper than this in a part's answer is a bad_response (the document is walked
// recursively when written out).
inline constexpr std::size_t kMaxPartDepth = 64;

struct PartResult {
  PartStatus status = PartStatus::kSkipped;
  int httpStatus = 0;        // the status its call answered; 0 when none
  bool ran = false;          // its call started
  Duration elapsed = 0;      // from its call's start to its answer's end
  std::string error;         // why, when not ok
  nlohmann::json document;   // ok: its answer; the merge moves it out
  std::vector<std::string> collisions;  // merged keys dropped (set by mergeParts)
};

// The part's status from its call's answer (outcome as UpstreamCall names it, and status);
// kOk means "a 2xx: read its body" (readPartBody decides).
PartStatus classifyCall(std::string_view outcome, int status);
// Reads a 2xx answer's body into `result`: ok with the document, or bad_response with why.
// `contentEncoding` is the answer's Content-Encoding ("" or "identity": none).
void readPartBody(std::string_view body, std::string_view contentEncoding, std::size_t maxBytes, PartResult& result);
// The nesting depth of a JSON text (brackets outside strings), counted only up to `limit + 1`.
std::size_t jsonDepth(std::string_view text, std::size_t limit);

// The merged document, with the status block under spec.statusKey; `results` is by part
// index (documents are moved out, collisions filled in).
nlohmann::json mergeParts(const AggregateSpec& spec, std::vector<PartResult>& results);
// The status block alone.
nlohmann::json statusBlock(const AggregateSpec& spec, const std::vector<PartResult>& results);

enum class AggregateKind : std::uint8_t { kComplete, kPartial, kFailed };

struct AggregateAnswer {
  AggregateKind kind = AggregateKind::kComplete;
  std::string_view outcome;  // "aggregate", "aggregate_partial", "aggregate_failed"
  Response response;
};

// The client's answer from the parts' results. `deadlinePassed`: the route's deadline cut it.
AggregateAnswer buildAggregateAnswer(const AggregateSpec& spec, std::vector<PartResult>& results, bool deadlinePassed);

}  // namespace gateway
