// A pipeline stage: a thin adapter that applies one concern (identity, rate limits, response
// headers; later a cache or a transformation) to an exchange on its way in and to the response
// on its way out (Envoy's decodeHeaders / encodeHeaders, kept small). The policy itself lives
// in a plain class that knows nothing of stages. Stages are made per Gateway (so per thread)
// by their StageSpec (stage_list.h) and keep shared state in SharedState.
//
// The contract:
//  - onRequest runs in list order. It returns a Response to answer locally (a 401, a 429, a
//    cache hit), or nullopt to let the request go on, unless it called exchange.pause(): then
//    the pipeline waits until the Resumer resumes (on to the next stage) or answers.
//  - onResponse runs in reverse order for every stage whose onRequest ran, the one that
//    answered included, and may rewrite the status, headers and body.
//  - Bodies flow by default: a streamed body (Request/Response::stream) passes through without
//    being held. A stage that must see a whole body says so (request/responseBodyLimit) and the
//    Gateway collects it first, within the largest such limit; a longer request body is
//    answered 413, a longer response body 502, unless every stage asking for the response
//    body can do without it (responseBodyRequired false: a cache that then does not store,
//    a transformation that then passes it on): then it goes on streamed, every byte intact.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "libgateway/http/message.h"

namespace gateway {

struct Exchange;

class Stage {
 public:
  // Which directions a stage works in: the Gateway skips the calls a stage does not need (the
  // pipeline runs a million times a second in the simulator).
  enum Directions : unsigned { kRequest = 1, kResponse = 2, kBoth = 3 };
  explicit Stage(Directions directions = kBoth) : directions_(directions) {}
  virtual ~Stage() = default;
  bool onRequestUsed() const { return directions_ & kRequest; }
  bool onResponseUsed() const { return directions_ & kResponse; }

  virtual std::optional<Response> onRequest(Exchange& /*exchange*/) { return std::nullopt; }
  virtual void onResponse(Exchange& /*exchange*/, Response& /*response*/) {}

  // Bytes of a streamed request body this stage buffers to see it whole before its onRequest;
  // 0 (the default) lets it flow.
  virtual std::size_t requestBodyLimit(const Exchange& /*exchange*/) const { return 0; }
  // Likewise for a streamed response body, before its onResponse.
  virtual std::size_t responseBodyLimit(const Exchange& /*exchange*/) const { return 0; }
  // Whether a response body longer than responseBodyLimit fails the exchange (502, the
  // default) or passes this stage still streamed (Response::stream set in onResponse).
  virtual bool responseBodyRequired(const Exchange& /*exchange*/) const { return true; }

 private:
  Directions directions_;
};

}  // namespace gateway
