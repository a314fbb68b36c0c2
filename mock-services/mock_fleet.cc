#include "mock-services/mock_fleet.h"

#include <fmt/format.h>

namespace gateway::mock {

std::unique_ptr<MockFleet> MockFleet::start(const MockConfig& config, net::EventLoop& loop, std::string& error) {
  std::unique_ptr<MockFleet> fleet(new MockFleet(loop, config.seed));
  const Random root(config.seed);
  net::HttpLimits limits;
  limits.maxBodyBytes = 8 * 1024 * 1024;
  limits.idleTimeout = seconds(120);  // longer than a gateway's pooled-connection idle timeout
  limits.maxPipelined = 64;
  for (const auto& service : config.services) {
    for (const auto& ic : service.instances) {
      auto instance = std::make_unique<MockInstance>(*fleet, service, ic, root.stream("mock/" + ic.id));
      const std::string& host = ic.host.empty() ? config.host : ic.host;
      const std::string address = host.find(':') == std::string::npos ? fmt::format("{}:{}", host, ic.port)
                                                                       : fmt::format("[{}]:{}", host, ic.port);
      auto server = net::HttpServer::bind(address, loop, {{&loop, instance.get()}}, limits, error);
      if (!server) {
        error = fmt::format("service {} instance {}: {}", service.name, ic.id, error);
        return nullptr;
      }
      server->start();
      fleet->instances_.push_back(std::move(instance));
      fleet->servers_.push_back(std::move(server));
    }
  }
  return fleet;
}

nlohmann::json MockFleet::ports() const {
  nlohmann::json services = nlohmann::json::object();
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    services[instances_[i]->service()].push_back({{"instance", instances_[i]->id()},
                                                  {"port", servers_[i]->port()},
                                                  {"address", servers_[i]->address()}});
  }
  return {{"services", services}};
}

nlohmann::json MockFleet::stats() const {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    nlohmann::json s = instances_[i]->stats();
    s["port"] = servers_[i]->port();
    s["connections"] = servers_[i]->stats().active.load();
    list.push_back(std::move(s));
  }
  return {{"instances", list}, {"faults", faults_.active()}};
}

void MockFleet::stop() {
  for (auto& s : servers_) {
    s->stopAccepting();
    s->closeAll();
  }
}

}  // namespace gateway::mock
