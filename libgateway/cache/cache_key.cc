#include "libgateway/cache/cache_key.h"

#include <algorithm>

namespace gateway {

namespace {

std::string_view trimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

std::string sortedQuery(std::string_view query) {
  std::vector<std::string_view> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view p = query.substr(0, amp);
    if (!p.empty()) params.push_back(p);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (std::string_view p : params) {
    if (!out.empty()) out += '&';
    out += p;
  }
  return out;
}

std::optional<std::string> comparableField(const Headers& headers, std::string_view name) {
  std::optional<std::string> out;
  for (const Headers::Field f : headers) {
    if (!iequals(f.name, name)) continue;
    if (!out) out.emplace();
    else out->append(", ");
    out->append(trimOws(f.value));
  }
  return out;
}

std::string cacheKey(const CacheKeyParts& parts) {
  // Every variable part is written with its length first, so no bytes of one part can be
  // read as another: two different requests never share a key.
  std::string key;
  key.reserve(parts.path.size() + parts.query.size() + parts.identity.size() + 32);
  auto part = [&key](char tag, std::string_view value) {
    key += tag;
    key += std::to_string(value.size());
    key += ':';
    key += value;
  };
  part('G', parts.path);  // HEAD shares GET's entries
  part('?', sortedQuery(parts.query));
  if (parts.varyHeaders && parts.headers) {
    for (const std::string& name : *parts.varyHeaders) {
      if (auto value = comparableField(*parts.headers, name)) part('h', *value);
      else key += '-';
    }
  }
  if (!parts.identity.empty()) part('c', parts.identity);
  return key;
}

std::size_t VaryCapture::bytes() const {
  std::size_t n = fields.capacity() * sizeof(fields[0]);
  for (const auto& [name, value] : fields) n += name.capacity() + (value ? value->capacity() : 0);
  return n;
}

VaryCapture captureVary(const Headers& response, const Headers& request) {
  VaryCapture capture;
  for (const Headers::Field f : response) {
    if (!iequals(f.name, "vary")) continue;
    std::string_view list = f.value;
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view name = trimOws(list.substr(0, comma));
      if (name == "*") capture.any = true;
      else if (!name.empty()) {
        std::string lower = toLower(name);
        const bool seen = std::any_of(capture.fields.begin(), capture.fields.end(),
                                      [&](const auto& field) { return field.first == lower; });
        if (!seen) capture.fields.emplace_back(std::move(lower), comparableField(request, name));
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return capture;
}

bool varyMatches(const VaryCapture& stored, const Headers& request) {
  if (stored.any) return false;
  for (const auto& [name, value] : stored.fields) {
    if (comparableField(request, name) != value) return false;
  }
  return true;
}

}  // namespace gateway
