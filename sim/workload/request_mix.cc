#include "sim/workload/request_mix.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace gwsim {

using gateway::JsonReader;

ParamDistribution ParamDistribution::uniform(std::int64_t min, std::int64_t max) {
  ParamDistribution d;
  d.kind_ = Kind::kUniform;
  d.min_ = min;
  d.max_ = max;
  return d;
}

ParamDistribution ParamDistribution::zipf(std::int64_t n, double s, std::int64_t first) {
  ParamDistribution d;
  d.kind_ = Kind::kZipf;
  d.min_ = first;
  d.max_ = first + n - 1;
  auto table = std::make_shared<ZipfTable>();
  std::vector<double>& cdf = table->cdf;
  cdf.resize(static_cast<std::size_t>(n));
  double sum = 0;
  for (std::int64_t k = 1; k <= n; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k), s);
    cdf[static_cast<std::size_t>(k - 1)] = sum;
  }
  for (auto& x : cdf) x /= sum;
  table->guide.resize(cdf.size());
  std::size_t i = 0;
  for (std::size_t j = 0; j < cdf.size(); ++j) {
    const double from = static_cast<double>(j) / static_cast<double>(cdf.size());
    while (i + 1 < cdf.size() && cdf[i] <= from) ++i;
    table->guide[j] = static_cast<std::uint32_t>(i);
  }
  d.zipf_ = std::move(table);
  return d;
}

std::int64_t ParamDistribution::sampleIndex(gateway::Random& random) const {
  switch (kind_) {
    case Kind::kUniform: return min_ + static_cast<std::int64_t>(random.uniform(static_cast<std::uint64_t>(max_ - min_ + 1)));
    case Kind::kZipf: {
      // The first k with cdf[k] > u (what a binary search finds), from the guide's start: the
      // two scans make it exact whatever the rounding of u * n.
      const double u = random.unit();
      const std::vector<double>& cdf = zipf_->cdf;
      const std::size_t n = cdf.size();
      std::size_t k = zipf_->guide[std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)))];
      while (k > 0 && cdf[k - 1] > u) --k;
      while (k < n && cdf[k] <= u) ++k;
      return std::min<std::int64_t>(max_, min_ + static_cast<std::int64_t>(k));
    }
    case Kind::kChoice: return static_cast<std::int64_t>(random.uniform(choices_.size()));
  }
  return 0;
}

void ParamDistribution::appendSample(gateway::Random& random, std::string& out) const {
  const auto i = sampleIndex(random);
  if (kind_ == Kind::kChoice) {
    out += choices_[static_cast<std::size_t>(i)];
    return;
  }
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
}

std::optional<ParamDistribution> ParamDistribution::parse(const nlohmann::json& value, const std::string& path,
                                                          gateway::FieldErrors& errors) {
  if (value.is_array()) {
    ParamDistribution d;
    d.kind_ = Kind::kChoice;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i].is_string()) d.choices_.push_back(value[i].get<std::string>());
      else if (value[i].is_number_integer()) d.choices_.push_back(std::to_string(value[i].get<std::int64_t>()));
      else errors.add(gateway::childPath(path, i), "choices are strings or integers");
    }
    if (d.choices_.empty()) {
      errors.add(path, "needs at least one choice");
      return std::nullopt;
    }
    return d;
  }
  JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  std::optional<ParamDistribution> out;
  const auto kind = r.choice("dist", {"uniform", "zipf"}, true);
  if (kind == "uniform") {
    auto lo = r.integer("min", 0, INT64_MAX / 2, true);
    auto hi = r.integer("max", 0, INT64_MAX / 2, true);
    if (lo && hi) {
      if (*hi < *lo) errors.add(r.pathOf("max"), "must not be less than min");
      else out = uniform(*lo, *hi);
    }
  } else if (kind == "zipf") {
    auto n = r.integer("n", 1, 1'000'000, true);
    auto s = r.number("s", 0.0, 10.0);
    auto first = r.integer("min", 0, INT64_MAX / 2);
    if (n) out = zipf(*n, s.value_or(1.0), first.value_or(1));
  }
  r.finish();
  return out;
}

std::optional<ParamDistribution> ParamDistribution::parseInline(std::string_view text, std::string& error) {
  const bool isZipf = text.starts_with("zipf:");
  if (!isZipf && !text.starts_with("uniform:")) return std::nullopt;
  const std::string_view usage = isZipf ? "{zipf:MIN..MAX} or {zipf:MIN..MAX:s=S}" : "{uniform:MIN..MAX}";
  std::string_view rest = text.substr(isZipf ? 5 : 8);
  const auto number = [&rest](std::int64_t& v) {
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (ec != std::errc() || end == rest.data()) return false;
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    return true;
  };
  std::int64_t lo = 0, hi = 0;
  double s = 1.0;
  bool ok = number(lo) && rest.starts_with("..") && (rest.remove_prefix(2), number(hi));
  if (ok && isZipf && rest.starts_with(":s=")) {
    rest.remove_prefix(3);
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), s);
    ok = ec == std::errc() && end == rest.data() + rest.size() && s >= 0 && s <= 10;
    rest = {};
  }
  if (!ok || !rest.empty() || lo < 0 || hi < lo || hi > INT64_MAX / 2 || (isZipf && hi - lo >= 1'000'000)) {
    error = fmt::format("\"{{{}}}\": expected {} with 0 <= MIN <= MAX{}", text, usage,
                        isZipf ? ", at most 1,000,000 values and s in 0-10" : "");
    return std::nullopt;
  }
  return isZipf ? zipf(hi - lo + 1, s, lo) : uniform(lo, hi);
}

namespace {
// Fills t.pieces from t.path and t.params (a "{name}" without a parameter stays literal:
// parse reports it).
void cutAtParameters(RequestTemplate& t) {
  std::size_t pos = 0;
  while (pos < t.path.size()) {
    RequestTemplate::Piece piece;
    piece.offset = static_cast<std::uint32_t>(pos);
    const auto open = t.path.find('{', pos);
    const auto close = open == std::string::npos ? std::string::npos : t.path.find('}', open);
    if (close == std::string::npos) {
      piece.size = static_cast<std::uint32_t>(t.path.size() - pos);
      t.pieces.push_back(piece);
      return;
    }
    const std::string_view name(t.path.data() + open + 1, close - open - 1);
    piece.size = static_cast<std::uint32_t>(open - pos);
    for (std::size_t i = 0; i < t.params.size(); ++i) {
      if (piece.param < 0 && t.params[i].first == name) piece.param = static_cast<std::int32_t>(i);
    }
    if (piece.param < 0) piece.size = static_cast<std::uint32_t>(close + 1 - pos);
    t.pieces.push_back(piece);
    pos = close + 1;
  }
}
}  // namespace

std::optional<RequestMix> RequestMix::parse(const nlohmann::json& value, const std::string& path,
                                            gateway::FieldErrors& errors) {
  if (!value.is_array() || value.empty()) {
    errors.add(path, "expected a non-empty array of requests");
    return std::nullopt;
  }
  RequestMix mix;
  const std::size_t before = errors.size();
  for (std::size_t i = 0; i < value.size(); ++i) {
    JsonReader r(value[i], gateway::childPath(path, i), errors);
    if (!r.isObject()) continue;
    RequestTemplate t;
    if (auto w = r.integer("weight", 0, 1'000'000)) t.weight = static_cast<std::uint32_t>(*w);
    if (auto m = r.string("method")) t.method = *m;
    if (auto p = r.string("path", true)) {
      t.path = *p;
      if (t.path.empty() || t.path.front() != '/') errors.add(r.pathOf("path"), "must start with '/'");
    }
    if (const auto* params = r.object("params")) {
      for (const auto& [name, spec] : params->items()) {
        if (auto d = ParamDistribution::parse(spec, gateway::childPath(r.pathOf("params"), name), errors)) {
          t.params.emplace_back(name, std::move(*d));
        }
        if (t.path.find("{" + name + "}") == std::string::npos) {
          errors.add(gateway::childPath(r.pathOf("params"), name), fmt::format("\"{{{}}}\" does not appear in the path", name));
        }
      }
    }
    // Every placeholder in the path needs a parameter.
    for (std::size_t open = t.path.find('{'); open != std::string::npos; open = t.path.find('{', open + 1)) {
      const auto close = t.path.find('}', open);
      if (close == std::string::npos) {
        errors.add(r.pathOf("path"), "unclosed '{'");
        break;
      }
      const std::string name = t.path.substr(open + 1, close - open - 1);
      std::string why;
      if (auto inline_ = ParamDistribution::parseInline(name, why)) {
        if (std::none_of(t.params.begin(), t.params.end(), [&](const auto& p) { return p.first == name; })) {
          t.params.emplace_back(name, std::move(*inline_));
        }
        continue;
      }
      if (!why.empty()) {
        errors.add(r.pathOf("path"), why);
        continue;
      }
      if (std::none_of(t.params.begin(), t.params.end(), [&](const auto& p) { return p.first == name; }) &&
          !(r.has("params") && (*r.any("params")).contains(name))) {
        errors.add(r.pathOf("path"), fmt::format("\"{{{}}}\" has no entry in params", name));
      }
    }
    if (const auto* h = r.object("headers")) {
      for (const auto& [name, v] : h->items()) {
        if (v.is_string()) t.headers.add(name, v.get<std::string>());
        else errors.add(gateway::childPath(r.pathOf("headers"), name), "expected a string");
      }
    }
    if (auto b = r.string("body")) t.body = *b;
    r.finish();
    cutAtParameters(t);
    mix.totalWeight_ += t.weight;
    mix.templates_.push_back(std::move(t));
  }
  if (mix.totalWeight_ == 0 && errors.size() == before) errors.add(path, "the weights add up to 0");
  if (errors.size() != before) return std::nullopt;
  return mix;
}

void RequestMix::make(gateway::Random& random, gateway::Request& req, std::size_t* index) const {
  std::uint64_t ticket = random.uniform(totalWeight_);
  std::size_t i = 0;
  while (ticket >= templates_[i].weight) {
    ticket -= templates_[i].weight;
    ++i;
  }
  if (index) *index = i;
  const RequestTemplate& t = templates_[i];
  req.method = t.method;
  if (t.params.empty()) {
    req.target = t.path;
  } else {
    req.target.clear();
    req.target.reserve(t.path.size() + 16);
    for (const auto& piece : t.pieces) {
      req.target.append(t.path, piece.offset, piece.size);
      if (piece.param >= 0) t.params[static_cast<std::size_t>(piece.param)].second.appendSample(random, req.target);
    }
  }
  if (t.headers.empty()) req.headers.clear();
  else req.headers = t.headers;
  req.body = t.body;
  req.clientAddress.clear();
}

}  // namespace gwsim
