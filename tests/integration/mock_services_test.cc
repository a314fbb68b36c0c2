// mock-services on its own: deterministic data for a seed, the endpoints of every service,
// the /_faults API, per-instance counters, the capacity model's 503, config errors, the
// services of a scenario file (--scenario), and slow_body faults paced on the wire.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class MockServicesTest : public StackTest {};

std::string scenarioPath(const std::string& name) { return std::string(GATEWAY_SOURCE_DIR) + "/scenarios/" + name; }

json readJsonFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// mock-services with `args`; its ports line parsed (null when it printed none).
struct MockFleetRun {
  std::unique_ptr<ChildProcess> process;
  json ports;
};

MockFleetRun runMockFleet(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {mockServicesPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  MockFleetRun run;
  run.process = ChildProcess::start(argv, dir.file("mocks.err"), error);
  EXPECT_TRUE(run.process) << error;
  if (!run.process) return run;
  if (auto line = run.process->readLine(10s)) run.ports = json::parse(*line, nullptr, false);
  return run;
}

// One answer read straight off a socket, counting the reads that brought body bytes.
struct PacedReply {
  int status = 0;
  std::string head;
  std::string body;
  int bodyReads = 0;
  std::chrono::steady_clock::duration elapsed{};  // from the request sent to the last byte
};

class RawConnection {
 public:
  explicit RawConnection(const std::string& address) {
    const auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    unsigned port = 0;
    std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval bound{5, 0};  // no read or write blocks longer
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Sends one GET and reads its answer (Content-Length framed).
  PacedReply get(const std::string& address, const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    PacedReply reply;
    const std::string request = buildRequest("GET", target, address, headers);
    const auto start = std::chrono::steady_clock::now();
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return reply;
    std::size_t length = 0;
    bool headDone = false;
    for (int reads = 0; reads < 100000 && std::chrono::steady_clock::now() - start < 20s; ++reads) {
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return reply;  // EOF, error or the 5 s bound
      std::size_t bodyBytes = static_cast<std::size_t>(n);
      if (!headDone) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        const auto end = buffer_.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        headDone = true;
        reply.head = buffer_.substr(0, end + 2);
        reply.body = buffer_.substr(end + 4);
        bodyBytes = reply.body.size();
        buffer_.clear();
        std::from_chars(reply.head.data() + 9, reply.head.data() + 12, reply.status);
        const auto cl = reply.head.find("Content-Length: ");
        if (cl == std::string::npos) return reply;
        std::from_chars(reply.head.data() + cl + 16, reply.head.data() + reply.head.size(), length);
      } else {
        reply.body.append(chunk, static_cast<std::size_t>(n));
      }
      if (bodyBytes > 0) ++reply.bodyReads;
      if (reply.body.size() >= length) {
        reply.elapsed = std::chrono::steady_clock::now() - start;
        return reply;
      }
    }
    return reply;
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

double asSeconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST_F(MockServicesTest, DataIsDeterministicForASeed) {
  GatewayStack again, other;
  std::string error;
  ASSERT_TRUE(again.startMocks(standardMocks(), error)) << error;
  json reseeded = standardMocks();
  reseeded["seed"] = 8;
  ASSERT_TRUE(other.startMocks(reseeded, error)) << error;
  for (const char* target : {"/users/7", "/users?limit=5"}) {
    const HttpReply a = fetch(stack_.mock("users"), "GET", target);
    const HttpReply b = fetch(again.mock("users", 2), "GET", target);
    ASSERT_EQ(a.status, 200);
    EXPECT_EQ(a.body, b.body) << target;
    EXPECT_NE(a.body, fetch(other.mock("users"), "GET", target).body) << target;
  }
  EXPECT_EQ(fetch(stack_.mock("orders"), "GET", "/orders?userId=3").body,
            fetch(again.mock("orders"), "GET", "/orders?userId=3").body);
}

TEST_F(MockServicesTest, EveryServiceAnswers) {
  json config = {{"seed", 1}, {"services", json::array()}};
  for (const char* s : {"users", "orders", "products", "payments", "inventory", "reviews", "recommendations"}) {
    config["services"].push_back({{"name", s}, {"spec", {{"latency", {{"kind", "constant"}, {"ms", 0.1}}}}}});
  }
  GatewayStack all;
  std::string error;
  ASSERT_TRUE(all.startMocks(config, error)) << error;
  const std::vector<std::tuple<std::string, std::string, std::string, int>> cases = {
      {"users", "GET", "/users/1", 200},
      {"users", "GET", "/users/1001", 404},
      {"users", "GET", "/users/abc", 400},
      {"orders", "GET", "/orders?userId=1", 200},
      {"orders", "GET", "/orders", 400},
      {"orders", "POST", "/orders", 201},
      {"products", "GET", "/products/500", 200},
      {"products", "GET", "/products?category=audio&limit=3", 200},
      {"payments", "POST", "/payments", 201},
      {"payments", "GET", "/payments", 405},
      {"inventory", "GET", "/inventory/12", 200},
      {"reviews", "GET", "/reviews?productId=12", 200},
      {"recommendations", "GET", "/recommendations?userId=5", 200},
      {"recommendations", "GET", "/nothing", 404},
  };
  for (const auto& [service, method, target, status] : cases) {
    const std::string body = method == "POST" ? R"({"order_id": 1, "amount_cents": 1500})" : "";
    const HttpReply r = fetch(all.mock(service), method, target, {}, body);
    EXPECT_EQ(r.status, status) << service << " " << method << " " << target << ": " << r.body;
    EXPECT_TRUE(json::accept(r.body)) << r.body;
    EXPECT_EQ(r.header("X-Mock-Service"), service);
  }
  const json recommended = json::parse(fetch(all.mock("recommendations"), "GET", "/recommendations?userId=5").body);
  EXPECT_EQ(recommended["products"].size(), 5u);
}

TEST_F(MockServicesTest, FaultApiAddsListsAndClears) {
  const std::string users = stack_.mock("users");
  HttpReply r = fetch(users, "POST", "/_faults", {},
                      R"({"faults": [{"kind": "abort", "service": "users", "status": 418},
                                     {"kind": "latency", "service": "orders", "latency_ms": 5, "for_s": 60}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["active"], 2);
  EXPECT_EQ(json::parse(fetch(users, "GET", "/_faults").body)["faults"].size(), 2u);
  EXPECT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/1").status, 418);
  EXPECT_EQ(fetch(stack_.mock("products"), "GET", "/products/1").status, 200);
  r = fetch(users, "DELETE", "/_faults?service=users");
  EXPECT_EQ(json::parse(r.body)["removed"], 1);
  EXPECT_EQ(fetch(users, "GET", "/users/1").status, 200);
  EXPECT_EQ(fetch(users, "DELETE", "/_faults").status, 200);
  EXPECT_EQ(json::parse(fetch(users, "GET", "/_faults").body)["faults"].size(), 0u);
}

TEST_F(MockServicesTest, BadFaultIsRefusedWithItsPath) {
  const HttpReply r = fetch(stack_.mock("users"), "POST", "/_faults", {}, R"({"kind": "abort", "latency_ms": 5})");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["errors"][0]["path"], "/latency_ms");
  EXPECT_EQ(fetch(stack_.mock("users"), "POST", "/_faults", {}, "{not json").status, 400);
  EXPECT_EQ(fetch(stack_.mock("users"), "GET", "/users/1", {{"x-fault-abort", "999"}}).status, 400);
}

TEST_F(MockServicesTest, StatsCountRequestsPerInstance) {
  for (int i = 0; i < 4; ++i) ASSERT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/2").status, 200);
  EXPECT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/2", {{"x-fault-abort", "500"}}).status, 500);
  const json s = mockStats();
  for (const auto& i : s["instances"]) {
    if (i["instance"] != "users-2") continue;
    EXPECT_EQ(i["requests"], 5);
    EXPECT_EQ(i["responses"]["200"], 4);
    EXPECT_EQ(i["aborted"], 1);
  }
}

TEST_F(MockServicesTest, FullQueueIsRefusedWith503) {
  GatewayStack small;
  std::string error;
  ASSERT_TRUE(small.startMocks({{"services",
                                 json::array({{{"name", "users"},
                                               {"spec", {{"workers", 1}, {"queue", 1}, {"latency", {{"kind", "constant"}, {"ms", 300}}}}}}})}},
                               error))
      << error;
  std::vector<std::unique_ptr<HttpConnection>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(HttpConnection::open(small.mock("users"), error));
    ASSERT_TRUE(clients.back()) << error;
    ASSERT_TRUE(clients.back()->send(buildRequest("GET", "/users/1", "x")));
  }
  std::map<int, int> statuses;
  for (auto& c : clients) {
    auto r = c->read(5000ms);
    ASSERT_TRUE(r);
    ++statuses[r->status];
  }
  // One served, one queued then served, two refused at once.
  EXPECT_EQ(statuses, (std::map<int, int>{{200, 2}, {503, 2}}));
}

TEST_F(MockServicesTest, BadConfigNamesThePathAndExits2) {
  GatewayStack bad;
  std::string error;
  EXPECT_FALSE(bad.startMocks({{"services", json::array({{{"name", "users"}, {"spec", {{"workers", 0}}}}})}}, error));
  EXPECT_EQ(bad.mockProcess().wait(5000ms), std::optional<int>(2));
  EXPECT_NE(bad.mockProcess().stderrText().find("/services/0/spec/workers"), std::string::npos)
      << bad.mockProcess().stderrText();
}

TEST_F(MockServicesTest, ScenarioServicesRunWithTheScenarioInstances) {
  TempDir dir;
  MockFleetRun run = runMockFleet(dir, {"--scenario", scenarioPath("backend_outage.json")});
  ASSERT_TRUE(run.ports.is_object()) << run.process->stderrText();
  EXPECT_EQ(run.ports["scenario"], "backend-outage");
  // The instances of the scenario's gateway config, on ephemeral ports.
  std::map<std::string, std::vector<std::string>> instances;
  for (const auto& [service, list] : run.ports["services"].items()) {
    for (const auto& i : list) {
      instances[service].push_back(i["instance"]);
      EXPECT_GT(i["port"].get<int>(), 0);
    }
  }
  EXPECT_EQ(instances, (std::map<std::string, std::vector<std::string>>{{"catalog", {"catalog-1"}},
                                                                         {"payments", {"payments-1", "payments-2"}}}));
  const std::string catalog = run.ports["services"]["catalog"][0]["address"];
  const HttpReply r = fetch(catalog, "GET", "/products/12");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Mock-Instance"), "catalog-1");
  EXPECT_EQ(json::parse(r.body)["target"], "/products/12");  // "catalog" is no data kind: echo
  const std::string payments = run.ports["services"]["payments"][1]["address"];
  EXPECT_EQ(fetch(payments, "POST", "/payments", {}, R"({"order_id": 1, "amount_cents": 1500})").status, 201);
  // The fault timeline is loaded, at_s from process start: the outage at 20 s is not active yet.
  const json faults = json::parse(fetch(catalog, "GET", "/_faults").body)["faults"];
  ASSERT_EQ(faults.size(), 1u) << faults.dump();
  EXPECT_EQ(faults[0]["kind"], "down");
  EXPECT_EQ(faults[0]["service"], "payments");
  EXPECT_EQ(faults[0]["active"], false);
  run.process->signal(SIGTERM);
  EXPECT_EQ(run.process->wait(5000ms), std::optional<int>(0));

  MockFleetRun quiet = runMockFleet(dir, {"--scenario", scenarioPath("backend_outage.json"), "--no-faults"});
  ASSERT_TRUE(quiet.ports.is_object()) << quiet.process->stderrText();
  EXPECT_EQ(json::parse(fetch(quiet.ports["services"]["catalog"][0]["address"], "GET", "/_faults").body)["faults"].size(), 0u);
}

TEST_F(MockServicesTest, ScenarioPortsBindTheGatewayConfigsAddresses) {
  TempDir dir;
  json doc = readJsonFile(scenarioPath("backend_outage.json"));
  const std::uint16_t port = unusedPort();
  doc["gateway"]["services"][1]["instances"][0]["address"] = "127.0.0.1:" + std::to_string(port);
  const std::string path = dir.write("scenario.json", doc.dump(2));
  MockFleetRun run = runMockFleet(dir, {"--scenario", path, "--use-scenario-ports"});
  ASSERT_TRUE(run.ports.is_object()) << run.process->stderrText();
  EXPECT_EQ(run.ports["services"]["catalog"][0]["port"], port);
  EXPECT_EQ(fetch("127.0.0.1:" + std::to_string(port), "GET", "/x").status, 200);
  run.process->signal(SIGTERM);
  EXPECT_EQ(run.process->wait(5000ms), std::optional<int>(0));

  // Only loopback addresses can be bound for the gateway.
  doc["gateway"]["services"][1]["instances"][0]["address"] = "10.1.2.3:80";
  MockFleetRun remote = runMockFleet(dir, {"--scenario", dir.write("remote.json", doc.dump(2)), "--use-scenario-ports"});
  EXPECT_EQ(remote.process->wait(5000ms), std::optional<int>(2));
  EXPECT_NE(remote.process->stderrText().find("/gateway/services/1/instances/0/address: \"10.1.2.3:80\" is not a loopback"),
            std::string::npos)
      << remote.process->stderrText();
}

TEST_F(MockServicesTest, BadScenarioNamesEveryPathAndExits2) {
  TempDir dir;
  json doc = readJsonFile(scenarioPath("backend_outage.json"));
  doc["services"]["payments"]["model"]["workers"] = 0;
  doc["faults"][0]["bytes_per_s"] = 10;
  MockFleetRun run = runMockFleet(dir, {"--scenario", dir.write("bad.json", doc.dump(2))});
  EXPECT_TRUE(run.ports.is_null());
  EXPECT_EQ(run.process->wait(5000ms), std::optional<int>(2));
  const std::string err = run.process->stderrText();
  EXPECT_NE(err.find("/services/payments/model/workers: must be between 1 and 100000, got 0"), std::string::npos) << err;
  EXPECT_NE(err.find("/faults/0/bytes_per_s: only slow_body faults take bytes_per_s"), std::string::npos) << err;
}

TEST_F(MockServicesTest, SlowBodyHeaderPacesTheBody) {
  const std::string users = stack_.mock("users");
  const std::string whole = fetch(users, "GET", "/users/3").body;
  ASSERT_GT(whole.size(), 100u);
  RawConnection c(users);
  ASSERT_TRUE(c.ok());
  // 1000 B/s in the default 100-byte slices.
  const PacedReply r = c.get(users, "/users/3", {{"x-fault-slow-body-bps", "1000"}});
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_EQ(r.body, whole);
  EXPECT_GT(r.bodyReads, 1);
  EXPECT_NE(r.head.find("X-Fault-Slow-Body: bytes_per_s=1000; slice_bytes=100"), std::string::npos) << r.head;
  const double expected = static_cast<double>(whole.size()) / 1000;
  EXPECT_GE(asSeconds(r.elapsed), 0.9 * expected);
  // The connection goes on: the next answer is whole at once.
  const PacedReply next = c.get(users, "/users/3");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, whole);
  EXPECT_EQ(fetch(users, "GET", "/users/3", {{"x-fault-slow-body-bps", "0"}}).status, 400);
}

TEST_F(MockServicesTest, SlowBodyFaultFromTheApiPacesTheBody) {
  const std::string users = stack_.mock("users", 1);
  const std::string whole = fetch(users, "GET", "/users/9").body;
  const HttpReply added = fetch(users, "POST", "/_faults", {},
                                R"({"kind": "slow_body", "service": "users", "instance": "users-2",
                                    "bytes_per_s": 800, "slice_bytes": 40})");
  ASSERT_EQ(added.status, 201) << added.body;
  RawConnection c(users);
  ASSERT_TRUE(c.ok());
  const PacedReply r = c.get(users, "/users/9");
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_EQ(r.body, whole);
  EXPECT_GT(r.bodyReads, 1);
  EXPECT_GE(asSeconds(r.elapsed), 0.9 * static_cast<double>(whole.size()) / 800);
  // Only users-2 is slowed.
  EXPECT_EQ(fetch(stack_.mock("users", 0), "GET", "/users/9").header("X-Fault-Slow-Body"), "");
  const json stats = mockStats();  // held: a range over a temporary's member would dangle
  for (const auto& i : stats["instances"]) {
    if (i["instance"] == "users-2") {
      EXPECT_EQ(i["slow_bodies"], 1);
    }
  }
}

TEST_F(MockServicesTest, SigtermExitsZero) {
  stack_.mockProcess().signal(SIGTERM);
  EXPECT_EQ(stack_.mockProcess().wait(5000ms), std::optional<int>(0)) << stack_.mockProcess().stderrText();
}

}  // namespace
}  // namespace gateway::testing
