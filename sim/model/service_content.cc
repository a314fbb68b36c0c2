#include "sim/model/service_content.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gwsim {

std::optional<ServiceContent> ServiceContent::parse(gateway::JsonReader& r, const std::string& name) {
  if (!r.has("kind") && !r.has("body_bytes")) return std::nullopt;
  ServiceContent c;
  c.kind = Catalog::knownKind(name) ? name : "echo";
  if (auto k = r.choice("kind", Catalog::kinds())) c.kind = *k;
  if (const auto* b = r.any("body_bytes")) c.bodyBytes = SizeDistribution::parse(*b, r.pathOf("body_bytes"), r.errors());
  return c;
}

std::string ServiceContent::describe() const {
  return bodyBytes ? fmt::format("{} data, 2xx bodies of {}", kind, bodyBytes->describe()) : fmt::format("{} data", kind);
}

std::uint64_t ContentMaker::salt(std::string_view service, std::string_view target) const {
  return gateway::stableHash(target, seed_ ^ gateway::stableHash(service));
}

std::optional<std::uint64_t> ContentMaker::bodySize(const ServiceContent& content, std::string_view service,
                                                    std::string_view target) const {
  if (!content.bodyBytes) return std::nullopt;
  gateway::Random random(salt(service, target));
  return content.bodyBytes->sample(random);
}

gateway::Response ContentMaker::answer(const ServiceContent& content, std::string_view service,
                                       const gateway::Request& request) const {
  gateway::Response r = catalog_.answer(content.kind, request);
  if (const auto size = bodySize(content, service, request.target); size && r.status >= 200 && r.status < 300) {
    r.body = fitJsonText(std::move(r.body), *size, ~salt(service, request.target));
  }
  return r;
}

}  // namespace gwsim
