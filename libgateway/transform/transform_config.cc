#include "libgateway/transform/transform_config.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "libgateway/config/config.h"
#include "libgateway/config/field_checks.h"

namespace gateway {

namespace {

std::optional<std::size_t> transformProfileIndex(const std::vector<TransformProfile>& profiles, std::string_view name) {
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (iequals(profiles[i].name, name)) return i;
  }
  return std::nullopt;
}

std::string transformProfileList(const std::vector<TransformProfile>& profiles) {
  std::string out;
  for (const auto& p : profiles) out += (out.empty() ? "" : ", ") + p.name;
  return out.empty() ? "none" : out;
}

// A profile name where one is expected; reports an unknown one at `where`.
std::optional<std::size_t> profileReference(const nlohmann::json& value, const std::string& where,
                                            const std::vector<TransformProfile>& profiles, FieldErrors& errors) {
  if (!value.is_string()) {
    errors.add(where, fmt::format("expected a profile name, got {}", jsonTypeName(value)));
    return std::nullopt;
  }
  const auto& name = value.get_ref<const std::string&>();
  if (auto index = transformProfileIndex(profiles, name)) return index;
  errors.add(where, fmt::format("unknown profile \"{}\" (profiles: {})", name, transformProfileList(profiles)));
  return std::nullopt;
}

void loadTransformCompression(JsonReader& r, TransformProfile& profile) {
  FieldErrors& errors = r.errors();
  profile.compress = true;
  if (auto v = r.integer("min_bytes", 0, static_cast<std::int64_t>(kMaxTransformBodyBytes))) {
    profile.minBytes = static_cast<std::size_t>(*v);
  }
  if (const auto* list = r.array("encodings")) {
    if (list->empty()) errors.add(r.pathOf("encodings"), "give at least one of \"br\" and \"gzip\" (or leave \"compress\" out)");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string where = childPath(r.pathOf("encodings"), i);
      const auto& item = (*list)[i];
      const auto coding = item.is_string() ? codingByName(item.get<std::string>()) : std::nullopt;
      if (!coding || *coding == ContentCoding::kIdentity) {
        errors.add(where, fmt::format("expected \"br\" or \"gzip\", got {}", item.dump()));
        continue;
      }
      if (std::find(profile.encodings.begin(), profile.encodings.end(), *coding) != profile.encodings.end()) {
        errors.add(where, fmt::format("\"{}\" is listed twice", codingName(*coding)));
        continue;
      }
      profile.encodings.push_back(*coding);
    }
  } else {
    profile.encodings = {ContentCoding::kBrotli, ContentCoding::kGzip};  // br is smaller at about the same cost
  }
  r.finish();
}

void loadTransformProfiles(const nlohmann::json& object, const std::string& path, TransformRules& rules,
                           FieldErrors& errors) {
  if (object.empty()) errors.add(path, "give at least one profile");
  for (const auto& [name, value] : object.items()) {
    const std::string where = childPath(path, name);
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        })) {
      errors.add(where, fmt::format("\"{}\" is not a valid profile name (letters, digits, '-', '_', '.')", name));
      continue;
    }
    if (transformProfileIndex(rules.profiles, name)) {
      errors.add(where, fmt::format("profile \"{}\" differs from another only in case", name));
      continue;
    }
    JsonReader r(value, where, errors);
    TransformProfile profile;
    profile.name = name;
    profile.fields = loadFieldRules(r);
    if (const auto* compress = r.object("compress")) {
      JsonReader c(*compress, r.pathOf("compress"), errors);
      loadTransformCompression(c, profile);
    }
    r.finish();
    rules.profiles.push_back(std::move(profile));
  }
}

void loadTransformSelect(JsonReader& r, const Config& config, TransformRules& rules) {
  FieldErrors& errors = r.errors();
  if (auto header = r.string("header")) {
    if (!validToken(*header)) errors.add(r.pathOf("header"), fmt::format("\"{}\" is not a valid header name", *header));
    else rules.selectHeader = *header;
  }
  if (const auto* consumers = r.object("consumers")) {
    for (const auto& [id, profile] : consumers->items()) {
      const std::string where = childPath(r.pathOf("consumers"), id);
      if (!config.findConsumer(id)) {
        errors.add(where, fmt::format("unknown consumer \"{}\"", id));
        continue;
      }
      if (auto index = profileReference(profile, where, rules.profiles, errors)) rules.consumers.emplace_back(id, *index);
    }
  }
  if (const auto* tiers = r.object("tiers")) {
    for (const auto& [tier, profile] : tiers->items()) {
      const std::string where = childPath(r.pathOf("tiers"), tier);
      if (!config.rateLimits.tiers.count(tier)) {
        errors.add(where, fmt::format("unknown tier \"{}\" (rate_limits.tiers has {})", tier,
                                      config.rateLimits.tiers.empty() ? std::string("none") : [&] {
                                        std::string names;
                                        for (const auto& [n, policy] : config.rateLimits.tiers) names += (names.empty() ? "" : ", ") + n;
                                        return names;
                                      }()));
        continue;
      }
      if (auto index = profileReference(profile, where, rules.profiles, errors)) rules.tiers.emplace_back(tier, *index);
    }
  }
  r.finish();
}

}  // namespace

std::optional<std::size_t> TransformRules::select(std::optional<std::string_view> headerValue, std::string_view consumer,
                                                  std::string_view tier) const {
  if (headerValue && !selectHeader.empty()) {
    if (auto index = transformProfileIndex(profiles, *headerValue)) return index;
  }
  if (!consumer.empty()) {
    for (const auto& [id, index] : consumers) {
      if (id == consumer) return index;
    }
  }
  if (!tier.empty()) {
    for (const auto& [name, index] : tiers) {
      if (name == tier) return index;
    }
  }
  return defaultProfile;
}

std::shared_ptr<const RouteExtension> loadTransformRules(const nlohmann::json& value, const std::string& path,
                                                         const RouteExtensionContext& context, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return nullptr;
  auto rules = std::make_shared<TransformRules>();
  rules->route = context.route.name;
  // Profiles first: the other members name them.
  if (const auto* profiles = r.object("profiles", true)) loadTransformProfiles(*profiles, r.pathOf("profiles"), *rules, errors);
  if (const auto* select = r.object("select")) {
    JsonReader s(*select, r.pathOf("select"), errors);
    loadTransformSelect(s, context.config, *rules);
  }
  if (const auto* fallback = r.any("default")) {
    rules->defaultProfile = profileReference(*fallback, r.pathOf("default"), rules->profiles, errors);
  }
  if (auto v = r.integer("max_body_bytes", 1, static_cast<std::int64_t>(kMaxTransformBodyBytes))) {
    rules->maxBodyBytes = static_cast<std::size_t>(*v);
  }
  r.finish();
  return rules;
}

}  // namespace gateway
