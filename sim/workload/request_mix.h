// A client group's request mix: weighted request templates whose paths have {param}
// placeholders filled from uniform, Zipf or fixed-choice draws ("params"), or written inline
// as {zipf:MIN..MAX[:s=S]} or {uniform:MIN..MAX}. Zipf uses a precomputed CDF (n up to 10^6),
// shared between copies: rank k (1 the most frequent) has probability proportional to 1/k^s
// and is the value MIN + k - 1. Immutable after parse; draws use the caller's Random (the
// client group's stream of the run's seed).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/random.h"
#include "libgateway/http/message.h"

namespace gwsim {

class ParamDistribution {
 public:
  static std::optional<ParamDistribution> parse(const nlohmann::json& value, const std::string& path,
                                                gateway::FieldErrors& errors);
  static ParamDistribution uniform(std::int64_t min, std::int64_t max);
  // Values first..first+n-1, `first` the most frequent.
  static ParamDistribution zipf(std::int64_t n, double s, std::int64_t first = 1);
  // An inline placeholder's law: "zipf:1..500", "zipf:1..500:s=1.1", "uniform:1..100";
  // nullopt (and `error`) when `text` is not one.
  static std::optional<ParamDistribution> parseInline(std::string_view text, std::string& error);

  // Draws a value and appends its text to `out`.
  void appendSample(gateway::Random& random, std::string& out) const;
  // The value drawn (for zipf: first + rank - 1; for choices: the index); tests use it.
  std::int64_t sampleIndex(gateway::Random& random) const;

 private:
  enum class Kind { kUniform, kZipf, kChoice } kind_ = Kind::kUniform;
  std::int64_t min_ = 1, max_ = 1;
  // Zipf: the cumulative distribution, and a guide table (Chen and Asau): guide[j] is where
  // the search for a u in [j/n, (j+1)/n) starts, so a draw reads two entries, not log n.
  struct ZipfTable {
    std::vector<double> cdf;
    std::vector<std::uint32_t> guide;
  };
  std::shared_ptr<const ZipfTable> zipf_;
  std::vector<std::string> choices_;
};

struct RequestTemplate {
  std::uint32_t weight = 1;
  std::string method = "GET";
  std::string path;  // "/users/{id}?expand={field}"
  std::vector<std::pair<std::string, ParamDistribution>> params;
  gateway::Headers headers;
  std::string body;
  // The path cut at its "{name}" fields (made by RequestMix::parse): each piece is literal
  // text of `path` followed by the parameter at `param` (or none), so make() never re-scans it.
  struct Piece {
    std::uint32_t offset = 0, size = 0;
    std::int32_t param = -1;
  };
  std::vector<Piece> pieces;
};

class RequestMix {
 public:
  static std::optional<RequestMix> parse(const nlohmann::json& value, const std::string& path,
                                         gateway::FieldErrors& errors);
  // Draws a template by weight and fills its "{name}" fields, written over every field of `out`
  // (the simulator reuses its requests' slots). `index` receives the template's position.
  void make(gateway::Random& random, gateway::Request& out, std::size_t* index = nullptr) const;
  const std::vector<RequestTemplate>& templates() const { return templates_; }

 private:
  std::vector<RequestTemplate> templates_;
  std::uint64_t totalWeight_ = 0;
};

}  // namespace gwsim
