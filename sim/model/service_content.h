// What a simulated service's answers carry. By default nothing: a status and no body (the
// simulator's original model). With "kind" in a scenario's service, the catalog's JSON for
// the request (users, orders, products, payments, inventory, reviews, recommendations or
// echo, exactly as mock-services serves it for the same seed); with "body_bytes", 2xx bodies
// padded or trimmed to a size drawn once per request target (body_size.h), so the same
// resource always has the same size. Immutable after parse: safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/config/json_reader.h"
#include "libgateway/http/message.h"
#include "sim/model/body_size.h"
#include "sim/model/catalog.h"

namespace gwsim {

struct ServiceContent {
  std::string kind;                          // a Catalog kind
  std::optional<SizeDistribution> bodyBytes;  // 2xx bodies fitted to a drawn size

  // Reads "kind" and "body_bytes" from the reader of scenario service `name`; nullopt when
  // neither is given. Without "kind", the kind is the name when it is one, else echo (as
  // mock-services decides).
  static std::optional<ServiceContent> parse(gateway::JsonReader& service, const std::string& name);
  std::string describe() const;
};

// The answers of one run's services with content, from one catalog seeded by the run's seed.
class ContentMaker {
 public:
  explicit ContentMaker(std::uint64_t seed) : catalog_(seed), seed_(seed) {}

  // A worker's successful answer to `request` at `service`.
  gateway::Response answer(const ServiceContent& content, std::string_view service, const gateway::Request& request) const;
  // The size a 2xx answer of `service` to `target` gets (nullopt: no body_bytes).
  std::optional<std::uint64_t> bodySize(const ServiceContent& content, std::string_view service,
                                        std::string_view target) const;

 private:
  std::uint64_t salt(std::string_view service, std::string_view target) const;

  Catalog catalog_;
  std::uint64_t seed_;
};

}  // namespace gwsim
