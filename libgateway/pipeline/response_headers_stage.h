// Per-route response header rules (Kong's response-transformer, Envoy's
// response_headers_to_add / _to_remove), from the route's "response_headers" field:
//   "response_headers": {"remove": ["Server"], "add": {"X-Frame-Options": "DENY"},
//                        "append": {"Cache-Control": "no-transform"}}
// On the way out, every response of the route (the upstream's and the gateway's own 4xx/5xx
// for it): the `remove` names go first, then each `add` field replaces any of that name, then
// each `append` field is added beside those already there. Listed first among the stages, so
// its rules apply last and also reach the fields other stages add (RateLimit-*). Framing and
// hop-by-hop fields are the gateway's and are refused at load. Stateless; one per Gateway.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway {

// A route's compiled rules.
struct ResponseHeaderRules final : RouteExtension {
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> add;     // replaces
  std::vector<std::pair<std::string, std::string>> append;  // adds beside
};

class ResponseHeadersStage final : public Stage {
 public:
  explicit ResponseHeadersStage(std::size_t slot) : Stage(kResponse), slot_(slot) {}

  void onResponse(Exchange& exchange, Response& response) override;

  // Its entry in the stage list: the "response_headers" route field and the factory.
  static StageSpec spec();
  // Reads a route's "response_headers" value (`path` is its JSON pointer).
  static std::shared_ptr<const RouteExtension> load(const nlohmann::json& value, const std::string& path,
                                                    const RouteExtensionContext& context, FieldErrors& errors);

 private:
  std::size_t slot_;
};

}  // namespace gateway
