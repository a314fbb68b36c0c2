#include "mock-services/fault_control.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "sim/model/catalog.h"

namespace gateway::mock {

namespace {

using nlohmann::json;

json describe(const gwsim::FaultSpec& f, TimePoint now) {
  json j = {{"kind", gwsim::toString(f.kind)},
            {"service", f.service},
            {"instance", f.instance},
            {"description", f.describe()},
            {"active", f.activeAt(now)}};
  if (f.duration != kNever) j["remaining_s"] = std::max<Duration>(0, f.at + f.duration - now) / 1e6;
  return j;
}

std::optional<std::int64_t> headerNumber(const Headers& headers, std::string_view name) {
  const auto v = headers.find(name);
  if (!v) return std::nullopt;
  std::int64_t n = -1;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return -1;
  return n;
}

}  // namespace

std::optional<Response> FaultControl::applyHeaders(const Headers& headers, gwsim::FaultEffect& effect) {
  if (auto delay = headerNumber(headers, "x-fault-delay-ms")) {
    if (*delay < 0 || *delay > 600'000) {
      return errorResponse(400, "bad_fault_header", "x-fault-delay-ms: expected milliseconds 0-600000");
    }
    effect.extraLatency += millis(*delay);
  }
  if (auto status = headerNumber(headers, "x-fault-abort")) {
    if (*status < 100 || *status > 599) return errorResponse(400, "bad_fault_header", "x-fault-abort: expected a status 100-599");
    effect.abortStatus = static_cast<int>(*status);
  }
  if (auto rate = headerNumber(headers, "x-fault-slow-body-bps")) {
    if (*rate < 1 || *rate > 1'000'000'000) {
      return errorResponse(400, "bad_fault_header", "x-fault-slow-body-bps: expected bytes per second 1-1000000000");
    }
    effect.slowDown(gwsim::SlowBody{static_cast<std::uint64_t>(*rate), 0, gwsim::FaultSpec::kDefaultBodyBytes});
  }
  if (headers.has("x-fault-reset")) effect.reset = true;
  if (headers.has("x-fault-hang")) effect.hang = true;
  return std::nullopt;
}

gwsim::FaultEffect FaultControl::evaluate(const std::string& service, const std::string& instance, Random& random) {
  const TimePoint now = clock_.now();
  faults_.expire(now);
  return faults_.evaluate(service, instance, now, random);
}

void FaultControl::load(const std::vector<gwsim::FaultSpec>& faults, TimePoint start) {
  for (gwsim::FaultSpec f : faults) {
    f.at += start;
    faults_.add(std::move(f));
  }
}

bool FaultControl::down(const std::string& service, const std::string& instance) {
  const TimePoint now = clock_.now();
  for (const auto& f : faults_.faults()) {
    if (!f.activeAt(now) || !f.appliesTo(service, instance)) continue;
    if (f.kind == gwsim::FaultSpec::Kind::kDown) return true;
    if (f.kind == gwsim::FaultSpec::Kind::kFlapping && (now - f.at) % std::max<Duration>(1, f.period) < f.period / 2) {
      return true;
    }
  }
  return false;
}

Response FaultControl::handle(const Request& request) {
  const TimePoint now = clock_.now();
  faults_.expire(now);
  if (request.path() != "/_faults") return errorResponse(404, "not_found", "fault control lives at /_faults");
  if (request.method == "GET" || request.method == "HEAD") {
    json list = json::array();
    for (const auto& f : faults_.faults()) list.push_back(describe(f, now));
    return gwsim::jsonResponse(200, {{"faults", list}});
  }
  if (request.method == "DELETE") {
    const std::size_t before = faults_.faults().size();
    const std::string_view q = request.query();
    if (q.starts_with("service=")) {
      const std::string service(q.substr(8));
      gwsim::FaultSet kept;
      for (const auto& f : faults_.faults()) {
        if (f.service != service) kept.add(f);
      }
      faults_ = std::move(kept);
    } else {
      faults_.clear();
    }
    return gwsim::jsonResponse(200, {{"removed", before - faults_.faults().size()}, {"active", faults_.faults().size()}});
  }
  if (request.method == "POST") {
    FieldErrors errors;
    auto doc = parseJsonText(request.body, errors);
    std::vector<gwsim::FaultSpec> added;
    if (doc) {
      if (doc->is_object() && doc->contains("faults")) {
        const json& list = (*doc)["faults"];
        if (!list.is_array() || doc->size() != 1) {
          errors.add("", "expected one fault object, or {\"faults\": [...]}");
        } else {
          for (std::size_t i = 0; i < list.size(); ++i) {
            if (auto f = gwsim::FaultSpec::parse(list[i], childPath("/faults", i), errors)) added.push_back(*f);
          }
        }
      } else if (auto f = gwsim::FaultSpec::parse(*doc, "", errors)) {
        added.push_back(*f);
      }
    }
    if (!errors.empty()) {
      json list = json::array();
      for (const auto& e : errors.list()) list.push_back({{"path", e.path}, {"message", e.message}});
      std::string message = errors.text();
      while (!message.empty() && message.back() == '\n') message.pop_back();  // one line per error, none after the last
      return gwsim::jsonResponse(400, {{"error", {{"status", 400}, {"code", "bad_fault"}, {"message", message}}},
                                {"errors", list}});
    }
    json described = json::array();
    for (auto& f : added) {
      f.at += now;  // "at_s" counts from the moment the fault is posted
      described.push_back(describe(f, now));
      faults_.add(std::move(f));
    }
    return gwsim::jsonResponse(201, {{"added", described}, {"active", faults_.faults().size()}});
  }
  Response r = errorResponse(405, "method_not_allowed", "/_faults takes GET, POST and DELETE");
  r.headers.set("Allow", "GET, HEAD, POST, DELETE");
  return r;
}

}  // namespace gateway::mock
