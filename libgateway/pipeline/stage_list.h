// The standard stages, in request order: the one list where a stage is registered, used the
// same way by gatewayd and gwsim so that both worlds run the same pipeline. Each entry is a
// StageSpec: the stage's name, the route field it owns with its loader (route_extension.h),
// and a factory called once per Gateway. Adding a stage is writing its files and one line in
// stage_list.cc (libgateway/README.md, "Adding a stage").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "libgateway/config/config.h"
#include "libgateway/config/route_extension.h"
#include "libgateway/core/env.h"
#include "libgateway/pipeline/stage.h"

namespace gateway {

class Gateway;
class SharedState;

// What a stage's factory gets: the process's shared policy state, the Gateway's Env, and the
// stage's slot (its place in the list; a RouteConfig keeps the stage's route settings there).
struct StageSetup {
  SharedState& shared;
  Env& env;
  std::size_t slot;
};

struct StageSpec {
  std::string_view name;
  RouteExtensionLoader route;  // the route field it owns, if any
  std::unique_ptr<Stage> (*make)(const StageSetup& setup) = nullptr;
  // Whether the stage has anything to do on `route` (slot as in StageSetup); the Gateway skips
  // it elsewhere. Null: on every route.
  bool (*appliesTo)(const RouteConfig& route, std::size_t slot) = nullptr;
};

// In request order (responses pass back in reverse).
std::span<const StageSpec> standardStages();
// One bit per standard stage (bit i: slot i) that applies to `route`.
std::uint64_t standardStageMask(const RouteConfig& route);
// Adds the standard stages to `gateway`, each made for `shared` and `env`.
void installStandardStages(Gateway& gateway, SharedState& shared, Env& env);

}  // namespace gateway
