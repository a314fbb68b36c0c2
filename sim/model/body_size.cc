#include "sim/model/body_size.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "sim/model/latency_distribution.h"

namespace gwsim {

namespace {

constexpr double kBodySizeZ99 = 2.3263478740408408;  // the standard normal's 99th percentile

std::string compactDump(const nlohmann::json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `length` characters of words and spaces, drawn from `salt`.
std::string padText(std::size_t length, std::uint64_t salt) {
  static constexpr std::array<std::string_view, 32> kPadWords = {
      "alpha",  "bravo",   "cargo",  "delta",  "ember",  "fable",  "gamma",  "harbor", "ivory",  "jolly",  "karma",
      "lumen",  "mosaic",  "nectar", "orbit",  "prism",  "quartz", "rivet",  "sable",  "tundra", "umber",  "velvet",
      "willow", "xenon",   "yonder", "zephyr", "amber",  "basalt", "cobalt", "dune",   "echo",   "fjord"};
  gateway::Random random(salt);
  std::string out;
  out.reserve(length + 8);
  while (out.size() < length) {
    if (!out.empty()) out += ' ';
    out += kPadWords[random.uniform(kPadWords.size())];
  }
  out.resize(length);
  return out;
}

}  // namespace

SizeDistribution SizeDistribution::constant(std::uint64_t bytes) {
  SizeDistribution d;
  d.kind_ = Kind::kConstant;
  d.a_ = static_cast<double>(std::min(bytes, kMaxBodyBytes));
  return d;
}

SizeDistribution SizeDistribution::uniform(std::uint64_t min, std::uint64_t max) {
  SizeDistribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = static_cast<double>(std::min(min, kMaxBodyBytes));
  d.b_ = static_cast<double>(std::min(std::max(min, max), kMaxBodyBytes));
  return d;
}

SizeDistribution SizeDistribution::lognormal(std::uint64_t median, std::uint64_t p99) {
  SizeDistribution d;
  d.kind_ = Kind::kLognormal;
  const double m = static_cast<double>(std::max<std::uint64_t>(1, median));
  d.a_ = std::log(m);
  d.b_ = std::log(std::max(m, static_cast<double>(p99)) / m) / kBodySizeZ99;
  return d;
}

std::uint64_t SizeDistribution::sample(gateway::Random& random) const {
  switch (kind_) {
    case Kind::kConstant: return static_cast<std::uint64_t>(a_);
    case Kind::kUniform:
      return static_cast<std::uint64_t>(a_) + random.uniform(static_cast<std::uint64_t>(b_ - a_) + 1);
    case Kind::kLognormal: {
      const double x = std::exp(a_ + b_ * standardNormal(random));
      return static_cast<std::uint64_t>(std::llround(std::min(x, static_cast<double>(kMaxBodyBytes))));
    }
  }
  return 0;
}

std::string SizeDistribution::describe() const {
  switch (kind_) {
    case Kind::kConstant: return fmt::format("{} bytes", static_cast<std::uint64_t>(a_));
    case Kind::kUniform: return fmt::format("uniform {}-{} bytes", static_cast<std::uint64_t>(a_), static_cast<std::uint64_t>(b_));
    case Kind::kLognormal:
      return fmt::format("lognormal median {:.0f} p99 {:.0f} bytes", std::exp(a_), std::exp(a_ + kBodySizeZ99 * b_));
  }
  return {};
}

std::optional<SizeDistribution> SizeDistribution::parse(const nlohmann::json& value, const std::string& path,
                                                        gateway::FieldErrors& errors) {
  const auto maxBytes = static_cast<std::int64_t>(kMaxBodyBytes);
  if (value.is_number_integer()) {
    const auto n = value.get<std::int64_t>();
    if (n < 0 || n > maxBytes) {
      errors.add(path, fmt::format("{} is out of range 0-{}", n, maxBytes));
      return std::nullopt;
    }
    return constant(static_cast<std::uint64_t>(n));
  }
  if (!value.is_object()) {
    errors.add(path, "expected a size in bytes or {\"dist\": \"uniform\" | \"lognormal\", ...}");
    return std::nullopt;
  }
  gateway::JsonReader r(value, path, errors);
  std::optional<SizeDistribution> out;
  const auto dist = r.choice("dist", {"uniform", "lognormal"}, true);
  if (dist == "uniform") {
    const auto lo = r.integer("min", 0, maxBytes, true);
    const auto hi = r.integer("max", 0, maxBytes, true);
    if (lo && hi) {
      if (*hi < *lo) errors.add(r.pathOf("max"), "must not be less than min");
      else out = uniform(static_cast<std::uint64_t>(*lo), static_cast<std::uint64_t>(*hi));
    }
  } else if (dist == "lognormal") {
    const auto median = r.integer("median", 1, maxBytes, true);
    const auto p99 = r.integer("p99", 1, maxBytes, true);
    if (median && p99) {
      if (*p99 < *median) errors.add(r.pathOf("p99"), "must not be less than median");
      else out = lognormal(static_cast<std::uint64_t>(*median), static_cast<std::uint64_t>(*p99));
    }
  }
  r.finish();
  return out;
}

std::string fitJsonBody(nlohmann::json doc, std::size_t target, std::uint64_t salt) {
  if (!doc.is_object()) return compactDump(doc);
  doc.erase("_pad");  // a body fitted before is fitted again from its data
  // Sizes are kept by arithmetic (a member or element and its comma), not by dumping again.
  std::size_t size = compactDump(doc).size();
  const std::size_t overhead = doc.empty() ? 9 : 10;  // "_pad":"" and its comma
  // A trimmed body takes one step more when the room left is too small for the padding.
  const bool trims = size > target;
  while (!doc.empty() && (size > target || (trims && size + overhead > target))) {
    nlohmann::json* longest = nullptr;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      nlohmann::json& v = it.value();
      if (v.is_array() && !v.empty() && (!longest || v.size() >= longest->size())) longest = &v;
    }
    if (longest) {
      size -= compactDump(longest->back()).size() + (longest->size() > 1 ? 1 : 0);
      longest->erase(longest->size() - 1);
    } else {
      const auto last = std::prev(doc.end());
      size -= compactDump(nlohmann::json(last.key())).size() + 1 + compactDump(last.value()).size() +
              (doc.size() > 1 ? 1 : 0);
      doc.erase(last);
    }
  }
  return padJsonText(compactDump(doc), target, salt);
}

std::string padJsonText(std::string body, std::size_t target, std::uint64_t salt) {
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') return body;
  const bool empty = body.size() == 2;
  const std::size_t room = empty ? 9 : 10;
  if (body.size() + room > target) return body;
  // Spliced in as text (last, after the members): no escaping pass over the padding.
  body.pop_back();
  body.reserve(target);
  body += empty ? "\"_pad\":\"" : ",\"_pad\":\"";
  body += padText(target - body.size() - 2, salt);
  body += "\"}";
  return body;
}

std::string fitJsonText(std::string body, std::size_t target, std::uint64_t salt) {
  if (body.size() <= target) return padJsonText(std::move(body), target, salt);
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return body;
  return fitJsonBody(std::move(doc), target, salt);
}

}  // namespace gwsim
