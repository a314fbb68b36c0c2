#include "libgateway/cache/cache_settings.h"

#include <algorithm>

#include <fmt/format.h>

#include "libgateway/config/config.h"
#include "libgateway/config/field_checks.h"
#include "libgateway/http/headers.h"

namespace gateway {

namespace {

constexpr std::int64_t kMaxWindowSeconds = 365LL * 24 * 3600;

// "type/subtype" or "type/*", tokens, no parameters.
bool validMediaRange(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = s.substr(0, slash), sub = s.substr(slash + 1);
  return validToken(type) && (sub == "*" || validToken(sub));
}

void loadStatuses(const nlohmann::json& list, const std::string& path, CacheSettings& s, FieldErrors& errors) {
  s.statuses.reset();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string itemPath = childPath(path, i);
    const auto& v = list[i];
    if (!v.is_number_integer()) {
      errors.add(itemPath, fmt::format("expected a status code, got {}", jsonTypeName(v)));
      continue;
    }
    const std::int64_t status = v.get<std::int64_t>();
    if (status < 200 || status > 599) {
      errors.add(itemPath, fmt::format("{} is not a final status (200-599)", status));
    } else if (status == 429) {
      errors.add(itemPath, "429 is never stored: a rate limit's answer is about one client at one moment");
    } else if (status == 206 || status == 304) {
      errors.add(itemPath, fmt::format("{} is never stored: the cache keeps whole answers only", status));
    } else {
      s.statuses.set(static_cast<std::size_t>(status));
    }
  }
  if (list.empty()) errors.add(path, "give at least one status");
}

void loadNames(const nlohmann::json& list, const std::string& path, bool mediaTypes, std::vector<std::string>& out,
               FieldErrors& errors) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string itemPath = childPath(path, i);
    if (!list[i].is_string()) {
      errors.add(itemPath, fmt::format("expected a string, got {}", jsonTypeName(list[i])));
      continue;
    }
    std::string name = toLower(list[i].get<std::string>());
    if (mediaTypes && !validMediaRange(name)) {
      errors.add(itemPath, fmt::format("\"{}\" is not a media type (\"type/subtype\" or \"type/*\", without parameters)",
                                       list[i].get<std::string>()));
      continue;
    }
    if (!mediaTypes && !validToken(name)) {
      errors.add(itemPath, fmt::format("\"{}\" is not a valid header name", list[i].get<std::string>()));
      continue;
    }
    if (std::find(out.begin(), out.end(), name) != out.end()) {
      errors.add(itemPath, fmt::format("\"{}\" is listed twice", list[i].get<std::string>()));
      continue;
    }
    out.push_back(std::move(name));
  }
}

}  // namespace

CacheSettings::CacheSettings() {
  for (int status : {200, 203, 204, 301, 404, 410}) statuses.set(static_cast<std::size_t>(status));
}

bool CacheSettings::operator==(const CacheSettings& o) const {
  return ttl == o.ttl && statuses == o.statuses && contentTypes == o.contentTypes && varyHeaders == o.varyHeaders &&
         respectCacheControl == o.respectCacheControl && staleWhileRevalidate == o.staleWhileRevalidate &&
         staleIfError == o.staleIfError && coalesce == o.coalesce && coalesceTimeout == o.coalesceTimeout &&
         maxBytes == o.maxBytes && maxEntries == o.maxEntries && maxEntryBytes == o.maxEntryBytes &&
         headerStyle == o.headerStyle;
}

bool CacheSettings::varies(std::string_view lowerName) const {
  return std::find(varyHeaders.begin(), varyHeaders.end(), lowerName) != varyHeaders.end();
}

std::shared_ptr<const RouteExtension> loadCacheSettings(const nlohmann::json& value, const std::string& path,
                                                        const RouteExtensionContext& context, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return nullptr;
  auto s = std::make_shared<CacheSettings>();
  if (auto v = r.integer("ttl_s", 1, kMaxWindowSeconds)) s->ttl = seconds(*v);
  if (const auto* list = r.array("statuses")) loadStatuses(*list, r.pathOf("statuses"), *s, errors);
  if (const auto* list = r.array("content_types")) loadNames(*list, r.pathOf("content_types"), true, s->contentTypes, errors);
  if (const auto* list = r.array("vary_headers")) loadNames(*list, r.pathOf("vary_headers"), false, s->varyHeaders, errors);
  if (auto v = r.boolean("respect_cache_control")) s->respectCacheControl = *v;
  if (auto v = r.integer("stale_while_revalidate_s", 0, kMaxWindowSeconds)) s->staleWhileRevalidate = seconds(*v);
  if (auto v = r.integer("stale_if_error_s", 0, kMaxWindowSeconds)) s->staleIfError = seconds(*v);
  if (auto v = r.boolean("coalesce")) s->coalesce = *v;
  if (auto v = millisField(r, "coalesce_timeout_ms")) s->coalesceTimeout = *v;
  if (auto v = r.integer("max_bytes", 1024, std::int64_t{1} << 40)) s->maxBytes = static_cast<std::size_t>(*v);
  if (auto v = r.integer("max_entries", 1, 100'000'000)) s->maxEntries = static_cast<std::size_t>(*v);
  if (auto v = r.integer("max_entry_bytes", 1, std::int64_t{1} << 40)) {
    s->maxEntryBytes = static_cast<std::size_t>(*v);
    if (s->maxEntryBytes > s->maxBytes) {
      errors.add(r.pathOf("max_entry_bytes"),
                 fmt::format("{} is more than max_bytes ({}): no answer that large could be kept", *v, s->maxBytes));
    }
  } else if (s->maxEntryBytes > s->maxBytes) {
    s->maxEntryBytes = s->maxBytes;  // the default, within a smaller store
  }
  if (auto v = r.choice("header_style", {"x-cache", "kong"})) {
    s->headerStyle = *v == "kong" ? CacheHeaderStyle::kKong : CacheHeaderStyle::kXCache;
  }
  r.finish();
  const auto& methods = context.route.methods;
  if (!methods.empty() && std::none_of(methods.begin(), methods.end(), [](const std::string& m) { return m == "GET" || m == "HEAD"; })) {
    errors.add(path, "the route takes no GET or HEAD requests: nothing it answers can be cached");
  }
  return s;
}

}  // namespace gateway
