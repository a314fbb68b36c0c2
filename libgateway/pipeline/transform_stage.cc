#include "libgateway/pipeline/transform_stage.h"

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

namespace {

// Deeper JSON is passed on untransformed (serialising it back is recursive).
constexpr std::size_t kTransformMaxJsonDepth = 256;

struct TransformExchangeState final : StageState {
  AcceptEncoding accept;
  std::optional<std::size_t> profile;
};

std::string_view transformTrim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool transformJsonType(std::string_view contentType) {
  const std::string type = toLower(transformTrim(contentType.substr(0, contentType.find(';'))));
  return type == "application/json" || (type.find('/') != std::string::npos && type.ends_with("+json"));
}

// Whether any comma-separated element of any `name` field equals `token` (case-insensitive).
bool listFieldHas(const Headers& headers, std::string_view name, std::string_view token) {
  for (const Headers::Field f : headers) {
    if (!iequals(f.name, name)) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view element = transformTrim(rest.substr(0, comma));
      if (iequals(element, token)) return true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return false;
}

void addVary(Headers& headers, std::string_view name) {
  if (listFieldHas(headers, "vary", "*") || listFieldHas(headers, "vary", name)) return;
  headers.add("Vary", name);
}

// The body changed: the upstream's length is stale and its strong validator no longer names
// these bytes (a weak one still says "equivalent").
void markBodyRewritten(Headers& headers) {
  headers.remove("content-length");
  if (const auto etag = headers.find("etag"); etag && etag->starts_with('"')) headers.set("ETag", "W/" + std::string(*etag));
}

}  // namespace

StageSpec TransformStage::spec() {
  return {"transform", {"transform", &loadTransformRules},
          [](const StageSetup& setup) -> std::unique_ptr<Stage> {
            auto registry = setup.shared.stageShared<TransformRegistry>("transform", [] { return std::make_shared<TransformRegistry>(); });
            setup.shared.addReporter(registry);  // false after the first worker's: already there
            return std::make_unique<TransformStage>(setup.slot, std::move(registry));
          },
          [](const RouteConfig& route, std::size_t slot) { return route.extension<TransformRules>(slot) != nullptr; }};
}

std::optional<Response> TransformStage::onRequest(Exchange& ex) {
  const RouteConfig* route = ex.route();
  const auto* rules = route ? route->extension<TransformRules>(slot_) : nullptr;
  if (!rules) return std::nullopt;
  auto state = std::make_unique<TransformExchangeState>();
  state->accept = parseAcceptEncoding(ex.request.headers);
  const auto header = rules->selectHeader.empty() ? std::nullopt : ex.request.headers.find(rules->selectHeader);
  state->profile = rules->select(header, ex.consumer, ex.tier);
  // The gateway encodes for the client itself: the upstream (and a cache) deal in identity bodies.
  ex.request.headers.set("Accept-Encoding", "identity");
  ex.setStageState(slot_, std::move(state));
  return std::nullopt;
}

std::size_t TransformStage::responseBodyLimit(const Exchange& ex) const {
  const RouteConfig* route = ex.route();
  const auto* rules = route ? route->extension<TransformRules>(slot_) : nullptr;
  return rules ? rules->maxBodyBytes : 0;
}

TransformProfileCounters& TransformStage::countersFor(const Exchange& ex, const TransformRules& rules,
                                                      const TransformProfile* profile) {
  if (countedRuntime_ != ex.runtime) {
    countedRuntime_ = ex.runtime;
    counters_.clear();
  }
  const void* key = profile ? static_cast<const void*>(profile) : static_cast<const void*>(&rules);
  auto [it, fresh] = counters_.emplace(key, nullptr);
  if (fresh) it->second = &registry_->counters(rules.route, profile ? std::string_view(profile->name) : TransformRegistry::kNoProfile);
  return *it->second;
}

void TransformStage::onResponse(Exchange& ex, Response& response) {
  const auto* state = ex.stageState<TransformExchangeState>(slot_);
  const RouteConfig* route = ex.route();
  const auto* rules = route ? route->extension<TransformRules>(slot_) : nullptr;
  if (!state || !rules) return;
  const TransformProfile* profile = state->profile ? &rules->profiles[*state->profile] : nullptr;
  TransformProfileCounters& c = countersFor(ex, *rules, profile);
  c.responses.fetch_add(1, std::memory_order_relaxed);
  if (!rules->selectHeader.empty()) addVary(response.headers, rules->selectHeader);
  if (response.stream) {  // longer than max_body_bytes
    if (profile && (!profile->fields.empty() || profile->compress)) c.skippedTooLarge.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::size_t before = response.body.size();
  c.bytesIn.fetch_add(before, std::memory_order_relaxed);
  const auto countOut = [&] { c.bytesOut.fetch_add(response.body.size(), std::memory_order_relaxed); };
  if (!profile || response.body.empty() || (profile->fields.empty() && !profile->compress)) return countOut();
  if (listFieldHas(response.headers, "cache-control", "no-transform")) {
    c.skippedNoTransform.fetch_add(1, std::memory_order_relaxed);
    return countOut();
  }
  if (const auto coding = response.headers.find("content-encoding"); coding && !iequals(transformTrim(*coding), "identity")) {
    c.skippedEncoded.fetch_add(1, std::memory_order_relaxed);
    return countOut();
  }
  const std::string_view contentType = response.headers.get("content-type");
  bool rewritten = false;
  if (!profile->fields.empty() && response.status >= 200 && response.status < 300 && transformJsonType(contentType)) {
    auto doc = jsonNestingWithin(response.body, kTransformMaxJsonDepth)
                   ? nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false)
                   : nlohmann::json(nlohmann::json::value_t::discarded);
    if (doc.is_discarded()) {
      c.skippedNotJson.fetch_add(1, std::memory_order_relaxed);
    } else {
      const FieldRules::Stats stats = profile->fields.apply(doc);
      response.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      c.filtered.fetch_add(1, std::memory_order_relaxed);
      if (stats.renameConflicts) c.renameConflicts.fetch_add(stats.renameConflicts, std::memory_order_relaxed);
      rewritten = true;
    }
  }
  if (profile->compress && !response.body.empty() && response.body.size() >= profile->minBytes &&
      compressibleType(contentType) && response.status != 206 && !response.headers.has("content-range")) {
    addVary(response.headers, "Accept-Encoding");
    const ContentCoding coding = negotiateCoding(state->accept, profile->encodings);
    if (coding != ContentCoding::kIdentity) {
      // Sent encoded only if that saves bytes (tiny or already compressed bodies may grow).
      if (auto encoded = encodeBody(coding, response.body); encoded && encoded->size() < response.body.size()) {
        response.body = std::move(*encoded);
        response.headers.set("Content-Encoding", codingName(coding));
        c.compressed.fetch_add(1, std::memory_order_relaxed);
        rewritten = true;
      }
    }
  }
  if (rewritten) markBodyRewritten(response.headers);
  countOut();
}

}  // namespace gateway
