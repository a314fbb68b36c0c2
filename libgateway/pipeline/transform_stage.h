// The response transformation stage (Backend for Frontend), for routes with a "transform"
// field (transform/transform_config.h). On the way in it picks the request's profile (select
// header > consumer > tier > default), keeps the client's Accept-Encoding and asks the
// upstream (and the cache after it) for an identity body. On the way out, on whole bodies up
// to max_body_bytes (a longer one passes streamed and untouched):
//  - the profile's field rules rewrite 2xx JSON answers (application/json, */*+json); a body
//    that does not parse passes as it is;
//  - then, if the profile compresses, a body of a compressible type, at least min_bytes long
//    and not yet encoded is encoded with the best coding the client accepts (br or gzip),
//    with `Vary: Accept-Encoding`;
//  - a changed body loses its Content-Length field (the wire sets its own) and a strong ETag
//    becomes weak; `Vary: <select header>` goes on every answer of the route.
// Responses that say `Cache-Control: no-transform` pass untouched. Counters per route and
// profile go to the shared TransformRegistry ("transform" in /stats, gateway_transform_* in
// /metrics). One per Gateway (per thread).
#pragma once

#include <memory>
#include <unordered_map>

#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/transform/transform_config.h"
#include "libgateway/transform/transform_counters.h"

namespace gateway {

class GatewayRuntime;

class TransformStage final : public Stage {
 public:
  TransformStage(std::size_t slot, std::shared_ptr<TransformRegistry> registry)
      : Stage(kBoth), slot_(slot), registry_(std::move(registry)) {}

  std::optional<Response> onRequest(Exchange& exchange) override;
  void onResponse(Exchange& exchange, Response& response) override;
  std::size_t responseBodyLimit(const Exchange& exchange) const override;
  // A body longer than max_body_bytes passes through, untransformed.
  bool responseBodyRequired(const Exchange& /*exchange*/) const override { return false; }

  // Its entry in the stage list: the "transform" route field and the factory.
  static StageSpec spec();

 private:
  TransformProfileCounters& countersFor(const Exchange& exchange, const TransformRules& rules,
                                        const TransformProfile* profile);

  std::size_t slot_;
  std::shared_ptr<TransformRegistry> registry_;
  // The registry's counters by profile (or by rules, for "no profile"), for the runtime held
  // here: holding it keeps those addresses from being reused by a later config.
  std::shared_ptr<const GatewayRuntime> countedRuntime_;
  std::unordered_map<const void*, TransformProfileCounters*> counters_;
};

}  // namespace gateway
