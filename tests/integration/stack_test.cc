#include "tests/integration/stack_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gateway::testing {

using nlohmann::json;

json standardMocks() {
  const json fast = {{"workers", 64}, {"queue", 1024}, {"latency", {{"kind", "constant"}, {"ms", 0.05}}}};
  return {{"seed", 7},
          {"services",
           json::array({{{"name", "users"}, {"instances", 3}, {"spec", fast}},
                        {{"name", "orders"}, {"spec", fast}},
                        {{"name", "products"}, {"spec", fast}},
                        {{"name", "echo"}, {"kind", "echo"}, {"spec", fast}}})}};
}

void StackTest::SetUp() {
  std::string error;
  ASSERT_TRUE(stack_.startMocks(standardMocks(), error)) << error;
}

json StackTest::standardGateway() const {
  json users = json::array();
  for (int i = 0; i < 3; ++i) users.push_back({{"id", "users-" + std::to_string(i + 1)}, {"address", stack_.mock("users", i)}});
  return {{"services",
           json::array({{{"name", "users"}, {"instances", users}, {"load_balancer", {{"algorithm", "round_robin"}}}},
                        {{"name", "orders"}, {"instances", json::array({stack_.mock("orders")})}},
                        {{"name", "products"}, {"instances", json::array({stack_.mock("products")})}},
                        {{"name", "echo"}, {"instances", json::array({stack_.mock("echo")})}},
                        {{"name", "dead"},
                         {"instances", json::array({"127.0.0.1:" + std::to_string(unusedPort())})},
                         {"connect_timeout_ms", 500}}})},
          {"routes",
           json::array({{{"name", "users"},
                         {"match", {{"template", "/api/users/{id}"}, {"methods", json::array({"GET", "HEAD"})}}},
                         {"service", "users"},
                         {"rewrite", "/users/{id}"}},
                        {{"name", "orders"}, {"match", {{"prefix", "/api/orders"}}}, {"service", "orders"}, {"rewrite", "/orders{*}"}},
                        {{"name", "products"}, {"match", {{"prefix", "/api/products"}}}, {"service", "products"}, {"rewrite", "/products{*}"}},
                        {{"name", "echo"}, {"match", {{"prefix", "/echo"}}}, {"service", "echo"}, {"strip_prefix", true}},
                        {{"name", "slow"}, {"match", {{"prefix", "/slow"}}}, {"service", "echo"}, {"timeout_ms", 300}},
                        {{"name", "dead"}, {"match", {{"prefix", "/dead"}}}, {"service", "dead"}}})}};
}

void StackTest::startGateway(const json& config, const std::vector<std::string>& extraArgs) {
  std::string error;
  ASSERT_TRUE(stack_.startGateway(config, error, extraArgs)) << error;
}

json StackTest::mockStats() {
  const HttpReply r = fetch(stack_.mock("users"), "GET", "/_stats");
  return json::parse(r.body, nullptr, false);
}

std::uint64_t StackTest::mockRequests(const std::string& instance) {
  const json stats = mockStats();
  if (!stats.is_object()) return 0;
  for (const auto& i : stats["instances"]) {
    if (i["instance"] == instance) return i["requests"].get<std::uint64_t>();
  }
  return 0;
}

std::optional<std::pair<int, std::string>> StackTest::promtoolCheck(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) return std::nullopt;
  const std::string path = stack_.dir().write("metrics.txt", text);
  const std::string command = "promtool check metrics < " + path + " > " + stack_.dir().file("promtool.out") + " 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream out(stack_.dir().file("promtool.out"));
  std::stringstream output;
  output << out.rdbuf();
  return std::pair{rc, output.str()};
}

std::uint16_t unusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

}  // namespace gateway::testing
