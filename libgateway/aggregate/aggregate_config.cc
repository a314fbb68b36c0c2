#include "libgateway/aggregate/aggregate_config.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "libgateway/config/config.h"
#include "libgateway/config/field_checks.h"
#include "libgateway/routing/path_template.h"

namespace gateway {

namespace {

bool aggregatePartName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// What the loader keeps per part beyond the spec: where its fields are, for messages.
struct AggregatePartPaths {
  std::string self, path, allow, timeout;
};

class AggregateLoader {
 public:
  AggregateLoader(const RouteExtensionContext& context, FieldErrors& errors) : context_(context), errors_(errors) {}

  std::shared_ptr<AggregateSpec> load(const nlohmann::json& value, const std::string& path) {
    JsonReader r(value, path, errors_);
    if (!r.isObject()) return nullptr;
    auto spec = std::make_shared<AggregateSpec>();
    const RouteConfig& route = context_.route;
    spec->route = route.name;
    checkMethods(path);
    if (auto t = millisField(r, "timeout_ms")) {
      spec->timeout = *t;
      if (route.timeout) {
        errors_.add(r.pathOf("timeout_ms"), "the route sets \"timeout_ms\" too: give the deadline once");
      }
    } else if (route.timeout) {
      spec->timeout = *route.timeout;
    }
    if (auto p = r.choice("partial", {"allow", "fail"})) spec->partial = *p == "fail" ? PartialPolicy::kFail : PartialPolicy::kAllow;
    if (auto k = r.string("status_key")) {
      if (k->empty()) errors_.add(r.pathOf("status_key"), "must not be empty");
      else if (*k == "error") errors_.add(r.pathOf("status_key"), "\"error\" is the failure answer's own key");
      else spec->statusKey = *k;
    }
    if (auto m = r.integer("max_part_bytes", 1, static_cast<std::int64_t>(kMaxPartBytesLimit))) {
      spec->maxPartBytes = static_cast<std::size_t>(*m);
    }
    const std::string partsPath = r.pathOf("parts");
    if (const auto* list = r.array("parts", true)) {
      if (list->empty()) errors_.add(partsPath, "needs at least one part");
      if (list->size() > kMaxAggregateParts) {
        errors_.add(partsPath, fmt::format("more than {} parts", kMaxAggregateParts));
      } else {
        for (std::size_t i = 0; i < list->size(); ++i) loadPart((*list)[i], childPath(partsPath, i), *spec);
      }
    }
    r.finish();
    resolveDependencies(*spec);
    checkKeys(*spec);
    compileTargets(*spec);
    return spec;
  }

 private:
  // Parts are GETs and the answer is one JSON document: the route answers GET (and HEAD).
  void checkMethods(const std::string& path) {
    if (context_.route.path.empty()) return;  // no usable match: its error is reported already
    const std::string routePath = path.substr(0, path.rfind('/'));
    const auto& methods = context_.route.methods;
    const bool onlyReads = !methods.empty() && std::all_of(methods.begin(), methods.end(), [](const std::string& m) {
      return m == "GET" || m == "HEAD";
    });
    if (!onlyReads) {
      errors_.add(childPath(childPath(routePath, "match"), "methods"),
                  "an aggregation route answers GET (and HEAD) only: list them in \"methods\"");
    }
  }

  void loadPart(const nlohmann::json& value, const std::string& path, AggregateSpec& spec) {
    JsonReader r(value, path, errors_);
    if (!r.isObject()) return;
    AggregatePart part;
    AggregatePartPaths where{path, r.pathOf("path"), r.pathOf("allow"), r.pathOf("timeout_ms")};
    if (auto n = r.string("name", true)) {
      part.name = *n;
      if (!aggregatePartName(*n)) {
        errors_.add(r.pathOf("name"), fmt::format("\"{}\" is not a part name (1-64 letters, digits, '_' or '-')", *n));
      } else if (*n == "query" || *n == "consumer") {
        errors_.add(r.pathOf("name"), fmt::format("\"{}\" is reserved for placeholders", *n));
      } else if (std::any_of(spec.parts.begin(), spec.parts.end(), [&](const AggregatePart& p) { return p.name == *n; })) {
        errors_.add(r.pathOf("name"), fmt::format("duplicate part \"{}\"", *n));
      }
    }
    if (auto s = r.string("service", true)) {
      part.service = *s;
      const auto& services = context_.config.services;
      auto it = std::find_if(services.begin(), services.end(), [&](const ServiceConfig& sc) { return sc.name == *s; });
      if (it == services.end()) errors_.add(r.pathOf("service"), fmt::format("unknown service \"{}\"", *s));
      else part.serviceIndex = static_cast<std::size_t>(it - services.begin());
    }
    if (auto p = r.string("path", true)) {
      std::string why;
      if (auto t = PartTemplate::parse(*p, why)) part.path = std::move(*t);
      else errors_.add(where.path, fmt::format("bad path \"{}\": {}", *p, why));
    }
    const auto merge = r.boolean("merge");
    const auto group = r.string("group");
    part.merge = merge.value_or(false);
    if (group) {
      if (group->empty()) errors_.add(r.pathOf("group"), "must not be empty");
      if (part.merge) errors_.add(r.pathOf("group"), "a part either merges into the top level or nests under a group, not both");
      part.group = *group;
    } else if (!part.merge) {
      part.group = part.name;  // nested under its own name by default
    }
    part.rules = loadFieldRules(r);
    part.optional = r.boolean("optional").value_or(false);
    if (auto t = millisField(r, "timeout_ms")) {
      part.timeout = *t;
      if (*t > spec.timeout) {
        errors_.add(where.timeout, fmt::format("{} ms is beyond the route's deadline of {} ms", *t / kMillisecond,
                                               spec.timeout / kMillisecond));
      }
    }
    r.finish();
    paths_.push_back(std::move(where));
    spec.parts.push_back(std::move(part));
  }

  // Placeholders: captures of the match template, parts by name; then cycles.
  void resolveDependencies(AggregateSpec& spec) {
    const RouteConfig& route = context_.route;
    std::set<std::string> captures;
    bool capturesKnown = false;
    if (route.pathType == PathMatchType::kTemplate && !route.path.empty()) {
      ParsedPath parsed = parsePath(route.path, true);
      capturesKnown = parsed.ok();
      for (const auto& s : parsed.segments) {
        if (s.isParam) captures.insert(s.text);
      }
    } else {
      capturesKnown = !route.path.empty();
    }
    for (std::size_t i = 0; i < spec.parts.size(); ++i) {
      AggregatePart& part = spec.parts[i];
      for (PartPlaceholder& p : part.path.placeholders()) {
        if (p.kind == PartPlaceholder::Kind::kCapture && capturesKnown && !captures.contains(p.name)) {
          errors_.add(paths_[i].path, fmt::format("{} is not captured by the route's match template", p.text));
        }
        if (p.kind != PartPlaceholder::Kind::kPart) continue;
        auto it = std::find_if(spec.parts.begin(), spec.parts.end(), [&](const AggregatePart& o) { return o.name == p.name; });
        if (it == spec.parts.end()) {
          errors_.add(paths_[i].path, fmt::format("{} names no part \"{}\"", p.text, p.name));
          continue;
        }
        p.part = static_cast<std::size_t>(it - spec.parts.begin());
        if (p.part == i) {
          errors_.add(paths_[i].path, fmt::format("{} reads the part's own answer", p.text));
          continue;
        }
        part.dependsOn.push_back(p.part);
      }
      std::sort(part.dependsOn.begin(), part.dependsOn.end());
      part.dependsOn.erase(std::unique(part.dependsOn.begin(), part.dependsOn.end()), part.dependsOn.end());
      for (std::size_t d : part.dependsOn) spec.parts[d].dependents.push_back(i);
    }
    findCycles(spec);
  }

  void findCycles(const AggregateSpec& spec) {
    enum Mark : char { kNew, kOnPath, kDone };
    std::vector<Mark> mark(spec.parts.size(), kNew);
    std::vector<std::size_t> stack;
    // Depth-first over dependencies; a part met again while on the path closes a cycle.
    auto visit = [&](auto&& self, std::size_t i) -> void {
      mark[i] = kOnPath;
      stack.push_back(i);
      for (std::size_t d : spec.parts[i].dependsOn) {
        if (mark[d] == kOnPath) {
          std::string cycle;
          for (auto it = std::find(stack.begin(), stack.end(), d); it != stack.end(); ++it) {
            const std::size_t next = it + 1 == stack.end() ? d : *(it + 1);
            if (!cycle.empty()) cycle += ", ";
            cycle += fmt::format("{} reads {}", spec.parts[*it].name, spec.parts[next].name);
          }
          errors_.add(paths_[i].path, fmt::format("the parts read each other's answers in a cycle: {}", cycle));
        } else if (mark[d] == kNew) {
          self(self, d);
        }
      }
      stack.pop_back();
      mark[i] = kDone;
    };
    for (std::size_t i = 0; i < spec.parts.size(); ++i) {
      if (mark[i] == kNew) visit(visit, i);
    }
  }

  // Top-level names two parts would both write: knowable when a merged part has an allow list.
  void checkKeys(const AggregateSpec& spec) {
    std::map<std::string, std::string> reserved;  // group names and the status key -> what
    reserved[spec.statusKey] = "the status block (\"status_key\")";
    for (std::size_t i = 0; i < spec.parts.size(); ++i) {
      const AggregatePart& part = spec.parts[i];
      if (part.merge || part.group.empty()) continue;
      auto [it, inserted] = reserved.emplace(part.group, fmt::format("part \"{}\"'s group", part.name));
      if (!inserted) {
        errors_.add(childPath(paths_[i].self, "group"), fmt::format("\"{}\" is already {}", part.group, it->second));
      }
    }
    std::map<std::string, std::string> merged;  // key -> the part that writes it
    for (std::size_t i = 0; i < spec.parts.size(); ++i) {
      const AggregatePart& part = spec.parts[i];
      if (!part.merge) continue;
      const auto keys = part.rules.topLevelKeys();
      if (!keys) continue;  // any key: collisions are handled when they happen
      for (const auto& key : *keys) {
        if (auto it = reserved.find(key); it != reserved.end()) {
          errors_.add(paths_[i].allow, fmt::format("merges \"{}\", which is {}", key, it->second));
        } else if (auto [m, inserted] = merged.emplace(key, part.name); !inserted) {
          errors_.add(paths_[i].allow, fmt::format("merges \"{}\", which part \"{}\" merges too", key, m->second));
        }
      }
    }
  }

  void compileTargets(AggregateSpec& spec) {
    const RouteConfig& route = context_.route;
    if (route.retry && route.retry->maxRetries > 0) spec.retry = *route.retry;
    if (route.hostRewrite) spec.hostRewrite = *route.hostRewrite;
    if (route.auth && route.auth->hideCredentials && route.auth->apiKey) hiddenKeyField_ = context_.config.auth.apiKeyHeader;
    for (AggregatePart& part : spec.parts) {
      CallTarget& t = part.target;
      t.backends = {part.serviceIndex};
      t.weights = {1};
      t.totalWeight = 1;
      if (spec.retry) t.retry.emplace(*spec.retry);
      t.timeout = part.timeout;  // else the service's; the route's deadline cuts either
      t.preserveHost = route.preserveHost;
      t.hostRewrite = spec.hostRewrite ? &*spec.hostRewrite : nullptr;
      t.hideBearer = route.auth && route.auth->hideCredentials && route.auth->jwt;
      t.method = "GET";
    }
    if (!hiddenKeyField_.empty()) {
      spec.hiddenKeyField = hiddenKeyField_;
      for (AggregatePart& part : spec.parts) part.target.hiddenKeyField = spec.hiddenKeyField;
    }
  }

  const RouteExtensionContext& context_;
  FieldErrors& errors_;
  std::vector<AggregatePartPaths> paths_;  // by part index
  std::string hiddenKeyField_;
};

}  // namespace

std::shared_ptr<const RouteExtension> loadAggregate(const nlohmann::json& value, const std::string& path,
                                                    const RouteExtensionContext& context, FieldErrors& errors) {
  return AggregateLoader(context, errors).load(value, path);
}

}  // namespace gateway
