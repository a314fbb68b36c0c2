#include "mock-services/mock_config.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/net/http_wire.h"
#include "sim/model/catalog.h"
#include "sim/scenario/scenario.h"

namespace gateway::mock {

namespace {

bool loopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

bool knownKind(std::string_view kind) { return gwsim::Catalog::knownKind(kind); }

std::optional<MockConfig> MockConfig::parse(const nlohmann::json& document, FieldErrors& errors) {
  JsonReader root(document, "", errors);
  if (!root.isObject()) return std::nullopt;
  const std::size_t before = errors.size();
  MockConfig config;
  if (auto s = root.integer("seed", 0, INT64_MAX)) config.seed = static_cast<std::uint64_t>(*s);
  if (auto h = root.string("host")) config.host = *h;
  std::set<std::string> names;
  std::set<std::uint16_t> fixedPorts;
  if (const auto* list = root.array("services", true)) {
    if (list->empty()) errors.add(root.pathOf("services"), "list at least one service");
    for (std::size_t i = 0; i < list->size(); ++i) {
      JsonReader r((*list)[i], childPath(root.pathOf("services"), i), errors);
      if (!r.isObject()) continue;
      MockServiceConfig service;
      if (auto n = r.string("name", true)) {
        service.name = *n;
        if (service.name.empty()) errors.add(r.pathOf("name"), "must not be empty");
        else if (!names.insert(service.name).second) errors.add(r.pathOf("name"), fmt::format("duplicate service \"{}\"", *n));
      }
      service.kind = knownKind(service.name) ? service.name : "echo";
      if (auto k = r.choice("kind", gwsim::Catalog::kinds())) service.kind = *k;
      gwsim::InstanceSpec spec;
      if (const auto* s = r.any("spec")) {
        if (auto parsed = gwsim::InstanceSpec::parse(*s, r.pathOf("spec"), errors)) spec = *parsed;
      }
      std::int64_t basePort = 0;
      if (auto p = r.integer("port", 0, 65535)) basePort = *p;
      const nlohmann::json* instances = r.any("instances");
      if (!instances || instances->is_number_integer()) {
        const std::int64_t count = instances ? instances->get<std::int64_t>() : 1;
        if (count < 1 || count > 64) {
          errors.add(r.pathOf("instances"), fmt::format("{} is out of range 1-64", count));
        } else {
          for (std::int64_t k = 0; k < count; ++k) {
            MockInstanceConfig ic;
            ic.id = fmt::format("{}-{}", service.name, k + 1);
            ic.port = basePort == 0 ? 0 : static_cast<std::uint16_t>(basePort + k);
            ic.spec = spec;
            service.instances.push_back(std::move(ic));
          }
        }
      } else if (instances->is_array()) {
        if (r.has("port")) errors.add(r.pathOf("port"), "give ports per instance when instances is a list");
        if (instances->empty()) errors.add(r.pathOf("instances"), "a service needs at least one instance");
        std::set<std::string> ids;
        for (std::size_t k = 0; k < instances->size(); ++k) {
          JsonReader ir((*instances)[k], childPath(r.pathOf("instances"), k), errors);
          if (!ir.isObject()) continue;
          MockInstanceConfig ic;
          ic.id = fmt::format("{}-{}", service.name, k + 1);
          if (auto id = ir.string("id")) ic.id = *id;
          if (!ids.insert(ic.id).second) errors.add(ir.pathOf("id"), fmt::format("duplicate instance \"{}\"", ic.id));
          if (auto p = ir.integer("port", 0, 65535)) ic.port = static_cast<std::uint16_t>(*p);
          ic.spec = spec;
          if (const auto* s = ir.any("spec")) {
            if (auto parsed = gwsim::InstanceSpec::parse(*s, ir.pathOf("spec"), errors)) ic.spec = *parsed;
          }
          ir.finish();
          service.instances.push_back(std::move(ic));
        }
      } else {
        errors.add(r.pathOf("instances"), "expected a count or a list of instances");
      }
      for (const auto& ic : service.instances) {
        if (ic.port != 0 && !fixedPorts.insert(ic.port).second) {
          errors.add(r.path(), fmt::format("port {} is used twice", ic.port));
        }
      }
      r.finish();
      config.services.push_back(std::move(service));
    }
  }
  root.finish();
  if (errors.size() != before) return std::nullopt;
  return config;
}

std::optional<MockConfig> MockConfig::load(const std::string& path, FieldErrors& errors) {
  std::string text, why;
  if (!readTextFile(path, text, why)) {
    errors.add("", why);
    return std::nullopt;
  }
  auto doc = parseJsonText(text, errors);
  if (!doc) return std::nullopt;
  return parse(*doc, errors);
}

std::optional<MockConfig> MockConfig::fromScenario(const gwsim::Scenario& scenario, bool scenarioPorts,
                                                   FieldErrors& errors) {
  const std::size_t before = errors.size();
  MockConfig config;
  config.seed = scenario.seed;
  std::map<std::pair<std::string, std::uint16_t>, std::string> bound;  // (host, port) -> instance
  for (std::size_t i = 0; i < scenario.gateway->services.size(); ++i) {
    const auto& svc = scenario.gateway->services[i];
    const gwsim::ServiceModelSpec* model = nullptr;
    for (const auto& m : scenario.services) {
      if (m.name == svc.name) model = &m;
    }
    MockServiceConfig service;
    service.name = svc.name;
    // The scenario's data kind for the service, else as a config without "kind" decides.
    service.kind = model && model->content ? model->content->kind : knownKind(svc.name) ? svc.name : "echo";
    for (std::size_t k = 0; k < svc.instances.size(); ++k) {
      const auto& ic = svc.instances[k];
      MockInstanceConfig instance;
      instance.id = ic.id;
      instance.spec = model ? model->forInstance(ic.id) : gwsim::InstanceSpec{};
      if (scenarioPorts) {
        const std::string path = childPath(childPath(childPath(childPath("/gateway/services", i), "instances"), k), "address");
        std::string host, why;
        std::uint16_t port = 0;
        if (!net::splitHostPort(ic.address, host, port, why)) {
          errors.add(path, why);
        } else if (!loopbackHost(host)) {
          errors.add(path, fmt::format("\"{}\" is not a loopback address; --use-scenario-ports binds only "
                                       "127.0.0.0/8, localhost and ::1",
                                       ic.address));
        } else if (port == 0) {
          errors.add(path, "port 0: give the port the gateway connects to");
        } else if (auto [it, fresh] = bound.emplace(std::pair(host, port), ic.id); !fresh) {
          errors.add(path, fmt::format("{} is also the address of instance \"{}\"", ic.address, it->second));
        } else {
          instance.host = host == "localhost" ? "127.0.0.1" : host;
          instance.port = port;
        }
      }
      service.instances.push_back(std::move(instance));
    }
    config.services.push_back(std::move(service));
  }
  if (errors.size() != before) return std::nullopt;
  return config;
}

}  // namespace gateway::mock
