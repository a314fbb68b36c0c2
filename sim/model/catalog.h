// The mock services' data: deterministic JSON for users, orders, products, payments,
// inventory, reviews and recommendations, computed from the seed and the ids (nothing is
// stored), so every run with the same seed serves the same bytes. Also "echo": the request
// itself as JSON (method, target, headers, body), handy for checking what a gateway forwarded.
// Shared by mock-services (real HTTP) and gwsim (the simulated services' answers, with
// "kind" in a scenario's service), so both worlds serve the same bytes for the same seed.
// Immutable: safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "libgateway/http/message.h"

namespace gwsim {

// A JSON answer (Content-Type application/json); invalid UTF-8 in strings is replaced.
gateway::Response jsonResponse(int status, const nlohmann::json& body);

class Catalog {
 public:
  static constexpr std::int64_t kUsers = 1000;
  static constexpr std::int64_t kProducts = 500;

  explicit Catalog(std::uint64_t seed) : seed_(seed) {}

  // The answer of a service of `kind` to `request`: 200/201 with JSON, 404 for an unknown
  // path or id, 405 for a method the path does not take, 400 for a malformed parameter.
  gateway::Response answer(std::string_view kind, const gateway::Request& request) const;

  // The data kinds: users, orders, products, payments, inventory, reviews, recommendations, echo.
  static const std::vector<std::string_view>& kinds();
  static bool knownKind(std::string_view kind);

 private:
  std::uint64_t hash(std::string_view what, std::int64_t id) const;
  gateway::Response users(const gateway::Request& r) const;
  gateway::Response orders(const gateway::Request& r) const;
  gateway::Response products(const gateway::Request& r) const;
  gateway::Response payments(const gateway::Request& r) const;
  gateway::Response inventory(const gateway::Request& r) const;
  gateway::Response reviews(const gateway::Request& r) const;
  gateway::Response recommendations(const gateway::Request& r) const;

  std::uint64_t seed_;
};

// The request as JSON: {"method", "target", "path", "query", "headers": [[name, value]...], "body"}.
gateway::Response echoResponse(const gateway::Request& request);

}  // namespace gwsim
