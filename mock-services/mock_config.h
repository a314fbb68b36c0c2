// The mock-services config file: which services run, as how many instances, on which ports,
// with which capacity/latency/error model (gwsim::InstanceSpec, the simulator's own).
//   {"seed": 7, "host": "127.0.0.1",
//    "services": [
//      {"name": "users", "instances": 2, "port": 0, "spec": {"workers": 8, "latency": {...}}},
//      {"name": "orders", "kind": "orders", "instances": [{"id": "orders-a", "port": 0, "spec": {...}}]}]}
// "kind" picks the data (users, orders, products, payments, inventory, reviews,
// recommendations, echo) and defaults to the name when it is one of them, else echo. Port 0
// picks a free port; a fixed port N gives instance i port N+i. Or the services of a scenario
// file (fromScenario). Plain values; errors carry their JSON paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "sim/model/instance_model.h"

namespace gwsim {
struct Scenario;
}

namespace gateway::mock {

struct MockInstanceConfig {
  std::string id;
  std::string host;  // empty: the config's host
  std::uint16_t port = 0;
  gwsim::InstanceSpec spec;
};

struct MockServiceConfig {
  std::string name;
  std::string kind;
  std::vector<MockInstanceConfig> instances;
};

struct MockConfig {
  std::uint64_t seed = 1;
  std::string host = "127.0.0.1";
  std::vector<MockServiceConfig> services;

  static std::optional<MockConfig> parse(const nlohmann::json& document, FieldErrors& errors);
  static std::optional<MockConfig> load(const std::string& path, FieldErrors& errors);
  // The services of a loaded scenario: one per gateway service, with the instance ids of the
  // gateway config and each instance's model from the scenario's "services"; the data kind
  // from the service's "kind" there, else from its name (echo when unknown); the scenario's
  // seed. (A scenario's "body_bytes" is the simulator's only: mock-services serves the data as is.) Every port is 0 unless
  // `scenarioPorts`: then each instance binds its gateway address, which must be loopback
  // (127.0.0.0/8, localhost, ::1); errors name /gateway/services/I/instances/K/address.
  static std::optional<MockConfig> fromScenario(const gwsim::Scenario& scenario, bool scenarioPorts,
                                                FieldErrors& errors);
};

// The data kinds mock-services knows.
bool knownKind(std::string_view kind);

}  // namespace gateway::mock
