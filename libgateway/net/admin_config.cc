#include "libgateway/net/admin_config.h"

#include <filesystem>

#include "libgateway/http/headers.h"

namespace gateway::net {

namespace {

bool credentialHeader(const std::string& name, const std::string& apiKeyHeader) {
  return iequals(name, "Authorization") || iequals(name, "Proxy-Authorization") || iequals(name, "Cookie") ||
         iequals(name, apiKeyHeader);
}

}  // namespace

nlohmann::json redactConfig(nlohmann::json doc) {
  if (!doc.is_object()) return doc;
  std::string apiKeyHeader = "X-API-Key";
  if (auto auth = doc.find("auth"); auth != doc.end() && auth->is_object()) {
    if (auto h = auth->find("api_key_header"); h != auth->end() && h->is_string()) apiKeyHeader = h->get<std::string>();
    if (auto jwt = auth->find("jwt"); jwt != auth->end() && jwt->is_object()) {
      if (auto keys = jwt->find("keys"); keys != jwt->end() && keys->is_array()) {
        for (auto& key : *keys) {
          if (!key.is_object()) continue;
          for (const char* field : {"secret", "secret_base64url"}) {
            if (key.contains(field)) key[field] = kRedacted;
          }
        }
      }
    }
  }
  if (auto limits = doc.find("rate_limits"); limits != doc.end() && limits->is_object()) {
    if (auto cluster = limits->find("cluster"); cluster != limits->end() && cluster->is_object() && cluster->contains("password")) {
      (*cluster)["password"] = kRedacted;
    }
  }
  if (auto consumers = doc.find("consumers"); consumers != doc.end() && consumers->is_array()) {
    for (std::size_t c = 0; c < consumers->size(); ++c) {
      auto& consumer = (*consumers)[c];
      if (!consumer.is_object()) continue;
      auto keys = consumer.find("api_keys");
      if (keys == consumer.end() || !keys->is_array()) continue;
      for (std::size_t k = 0; k < keys->size(); ++k) (*keys)[k] = "redacted-" + std::to_string(c) + "-" + std::to_string(k);
    }
  }
  if (auto routes = doc.find("routes"); routes != doc.end() && routes->is_array()) {
    for (auto& route : *routes) {
      if (!route.is_object()) continue;
      auto match = route.find("match");
      if (match == route.end() || !match->is_object()) continue;
      auto headers = match->find("headers");
      if (headers == match->end() || !headers->is_object()) continue;
      for (auto& [name, value] : headers->items()) {
        if (value.is_string() && credentialHeader(name, apiKeyHeader)) value = kRedacted;
      }
    }
  }
  return doc;
}

ConfigSource loadConfigSource(const std::string& filePath) {
  ConfigSource out;
  std::string text, why;
  if (!readTextFile(filePath, text, why)) {
    out.load.errors.add("", why);
    return out;
  }
  auto doc = parseJsonText(text, out.load.errors);
  if (!doc) return out;
  out.load = loadConfigJson(*doc, "", std::filesystem::path(filePath).parent_path().string());
  if (out.load.ok()) out.redacted = redactConfig(std::move(*doc));
  return out;
}

}  // namespace gateway::net
