// The mock services' data: deterministic JSON for users, orders, products, payments,
// inventory, reviews and recommendations, computed from the seed and the ids (nothing is
// stored), so every run with the same seed serves the same bytes. Also "echo": the request
// itself as JSON (method, target, headers, body), handy for checking what a gateway forwarded.
// Immutable: safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "libgateway/http/message.h"

namespace gateway::mock {

// A JSON answer (Content-Type application/json); invalid UTF-8 in strings is replaced.
Response jsonResponse(int status, const nlohmann::json& body);

class Catalog {
 public:
  static constexpr std::int64_t kUsers = 1000;
  static constexpr std::int64_t kProducts = 500;

  explicit Catalog(std::uint64_t seed) : seed_(seed) {}

  // The answer of a service of `kind` to `request`: 200/201 with JSON, 404 for an unknown
  // path or id, 405 for a method the path does not take, 400 for a malformed parameter.
  Response answer(std::string_view kind, const Request& request) const;

 private:
  std::uint64_t hash(std::string_view what, std::int64_t id) const;
  Response users(const Request& r) const;
  Response orders(const Request& r) const;
  Response products(const Request& r) const;
  Response payments(const Request& r) const;
  Response inventory(const Request& r) const;
  Response reviews(const Request& r) const;
  Response recommendations(const Request& r) const;

  std::uint64_t seed_;
};

// The request as JSON: {"method", "target", "path", "query", "headers": [[name, value]...], "body"}.
Response echoResponse(const Request& request);

}  // namespace gateway::mock
