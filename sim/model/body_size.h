// Response body sizes for simulated services whose payload size matters: a size law (a fixed
// number of bytes, uniform or lognormal), and fitJsonBody, which pads or trims a JSON object
// to a size while keeping it valid JSON, deterministically:
//   - too long: the last element of the object's longest top-level array is removed, or, when
//     no top-level array has elements, the object's last member (in key order), until it
//     fits with room for the padding below;
//   - too short: a member "_pad" is added whose string (words of lower-case letters and
//     spaces, drawn from `salt`: it compresses about as well as text) brings the body to
//     exactly the size (the member comes last in the text). A natural body less than 10 bytes short (the smallest member,
//     ,"_pad":"") stays as it is, as does one trimmed down to {}.
// A body that is not a JSON object is kept as it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/random.h"

namespace gwsim {

class SizeDistribution {
 public:
  static SizeDistribution constant(std::uint64_t bytes);
  static SizeDistribution uniform(std::uint64_t min, std::uint64_t max);
  static SizeDistribution lognormal(std::uint64_t median, std::uint64_t p99);

  // 2048, {"dist": "uniform", "min": 500, "max": 5000} or
  // {"dist": "lognormal", "median": 2000, "p99": 20000}; sizes in bytes, up to 64 MiB.
  static std::optional<SizeDistribution> parse(const nlohmann::json& value, const std::string& path,
                                               gateway::FieldErrors& errors);

  // A size in bytes, at most 64 MiB.
  std::uint64_t sample(gateway::Random& random) const;
  std::string describe() const;

 private:
  enum class Kind { kConstant, kUniform, kLognormal } kind_ = Kind::kConstant;
  double a_ = 0, b_ = 0;  // constant: a; uniform: [a, b]; lognormal: mu a, sigma b
};

inline constexpr std::uint64_t kMaxBodyBytes = 64ull << 20;

// `doc` dumped compactly, fitted to `target` bytes as described above; the padding's words
// come from `salt`.
std::string fitJsonBody(nlohmann::json doc, std::size_t target, std::uint64_t salt);
// The same for a body as text (compact JSON, as the catalog answers): a body that only needs
// padding is not parsed. Text that is not a JSON object is kept as it is.
std::string fitJsonText(std::string body, std::size_t target, std::uint64_t salt);
// Pads a compact JSON object's text with the "_pad" member, spliced in last, when there is room.
std::string padJsonText(std::string body, std::size_t target, std::uint64_t salt);

}  // namespace gwsim
