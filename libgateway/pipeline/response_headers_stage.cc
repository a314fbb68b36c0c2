#include "libgateway/pipeline/response_headers_stage.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "libgateway/config/field_checks.h"
#include "libgateway/pipeline/exchange.h"

namespace gateway {

namespace {

constexpr std::size_t kMaxValueBytes = 8 * 1024;

// Fields whose value the gateway itself decides (framing, connection management).
bool gatewayOwned(std::string_view name) {
  for (std::string_view owned : {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
                                 "trailer", "proxy-connection"}) {
    if (iequals(name, owned)) return true;
  }
  return false;
}

// A field value that cannot break the message: no CR, LF, NUL or other control characters
// except horizontal tab (RFC 9110 5.5).
bool validValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

bool checkName(const std::string& name, const std::string& path, FieldErrors& errors) {
  if (!validToken(name)) {
    errors.add(path, fmt::format("\"{}\" is not a valid header name", name));
    return false;
  }
  if (gatewayOwned(name)) {
    errors.add(path, fmt::format("{} is set by the gateway (framing and connection fields cannot be changed)", name));
    return false;
  }
  return true;
}

void loadFields(const nlohmann::json& object, const std::string& path, std::set<std::string>& seen,
                std::vector<std::pair<std::string, std::string>>& out, FieldErrors& errors) {
  for (const auto& [name, value] : object.items()) {
    const std::string fieldPath = childPath(path, name);
    if (!checkName(name, fieldPath, errors)) continue;
    if (!value.is_string()) {
      errors.add(fieldPath, fmt::format("expected a string value, got {}", jsonTypeName(value)));
      continue;
    }
    const std::string text = value.get<std::string>();
    if (!validValue(text)) {
      errors.add(fieldPath, "the value contains a control character (CR, LF, NUL, ...)");
      continue;
    }
    if (text.size() > kMaxValueBytes) {
      errors.add(fieldPath, fmt::format("the value is longer than {} bytes", kMaxValueBytes));
      continue;
    }
    if (!seen.insert(toLower(name)).second) {
      errors.add(fieldPath, fmt::format("{} appears in more than one of remove, add and append", name));
      continue;
    }
    out.emplace_back(name, text);
  }
}

}  // namespace

StageSpec ResponseHeadersStage::spec() {
  return {"response_headers", {"response_headers", &ResponseHeadersStage::load},
          [](const StageSetup& setup) -> std::unique_ptr<Stage> { return std::make_unique<ResponseHeadersStage>(setup.slot); },
          [](const RouteConfig& route, std::size_t slot) { return route.extension<ResponseHeaderRules>(slot) != nullptr; }};
}

std::shared_ptr<const RouteExtension> ResponseHeadersStage::load(const nlohmann::json& value, const std::string& path,
                                                                 const RouteExtensionContext& /*context*/,
                                                                 FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return nullptr;
  auto rules = std::make_shared<ResponseHeaderRules>();
  std::set<std::string> seen;  // lower-case names, across the three lists
  if (const auto* list = r.array("remove")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string itemPath = childPath(r.pathOf("remove"), i);
      if (!(*list)[i].is_string()) {
        errors.add(itemPath, "expected a header name");
        continue;
      }
      const std::string name = (*list)[i].get<std::string>();
      if (!checkName(name, itemPath, errors)) continue;
      if (!seen.insert(toLower(name)).second) {
        errors.add(itemPath, fmt::format("{} appears in more than one of remove, add and append", name));
        continue;
      }
      rules->remove.push_back(name);
    }
  }
  if (const auto* add = r.object("add")) loadFields(*add, r.pathOf("add"), seen, rules->add, errors);
  if (const auto* append = r.object("append")) loadFields(*append, r.pathOf("append"), seen, rules->append, errors);
  r.finish();
  if (rules->remove.empty() && rules->add.empty() && rules->append.empty() && !r.has("remove") && !r.has("add") &&
      !r.has("append")) {
    errors.add(path, "give at least one of \"remove\", \"add\" or \"append\"");
  }
  return rules;
}

void ResponseHeadersStage::onResponse(Exchange& ex, Response& response) {
  const RouteConfig* route = ex.route();
  const auto* rules = route ? route->extension<ResponseHeaderRules>(slot_) : nullptr;
  if (!rules) return;
  if (!rules->remove.empty()) {
    response.headers.removeIf([&](const Headers::Field& f) {
      return std::any_of(rules->remove.begin(), rules->remove.end(), [&](const std::string& n) { return iequals(f.name, n); });
    });
  }
  for (const auto& [name, value] : rules->add) response.headers.set(name, value);
  for (const auto& [name, value] : rules->append) response.headers.add(name, value);
}

}  // namespace gateway
