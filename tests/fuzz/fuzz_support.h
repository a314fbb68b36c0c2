// What every fuzz target shares: FUZZ_CHECK (a broken invariant aborts, so libFuzzer reports
// it with the input that broke it), the checks made on a loader's error list, and the
// removal of the config fields that name files (a target never reads one). Header-only;
// each target is one .cc that includes it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"

namespace gateway::fuzz {

[[noreturn]] inline void invariantBroken(const char* file, int line, const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n  %s\n", file, line, what, detail.c_str());
  std::abort();
}

// Aborts with `detail` (a std::string, evaluated only on failure) when `cond` is false.
#define FUZZ_CHECK(cond, detail)                                                       \
  do {                                                                                 \
    if (!(cond)) ::gateway::fuzz::invariantBroken(__FILE__, __LINE__, #cond, (detail)); \
  } while (false)

// A loader's verdict: either it loaded (no errors), or it refused with errors that each
// have a message and name a JSON Pointer that exists in `doc`, or whose parent does (a
// missing required key is named at the key).
inline void checkFieldErrors(const FieldErrors& errors, bool loaded, const nlohmann::json& doc) {
  FUZZ_CHECK(loaded == errors.empty(), loaded ? "loaded with errors: " + errors.text() : "refused without an error");
  for (const FieldError& e : errors.list()) {
    FUZZ_CHECK(!e.message.empty(), "an error without a message at " + e.path);
    FUZZ_CHECK(e.path.empty() || e.path.front() == '/', "error path is not a JSON Pointer: " + e.str());
    if (e.path.empty()) continue;
    nlohmann::json::json_pointer pointer;
    try {
      pointer = nlohmann::json::json_pointer(e.path);
    } catch (const nlohmann::json::exception&) {
      invariantBroken(__FILE__, __LINE__, "the error path parses as a JSON Pointer", e.str());
    }
    bool found = false;
    try {
      found = doc.contains(pointer) || doc.contains(pointer.parent_pointer());
    } catch (const nlohmann::json::exception&) {
      found = false;
    }
    FUZZ_CHECK(found, "error names a path that is not in the document: " + e.str());
  }
}

// Replaces every config field that names a file (auth.jwt.jwks_file, a key's
// public_key_file) with a number: the loader then reports a type error at that field
// instead of opening a file. `config` is a gateway config document (or anything else).
inline void dropFileFields(nlohmann::json& config) {
  if (!config.is_object()) return;
  auto auth = config.find("auth");
  if (auth == config.end() || !auth->is_object()) return;
  auto jwt = auth->find("jwt");
  if (jwt == auth->end() || !jwt->is_object()) return;
  if (jwt->contains("jwks_file")) (*jwt)["jwks_file"] = 0;
  auto keys = jwt->find("keys");
  if (keys == jwt->end() || !keys->is_array()) return;
  for (auto& key : *keys) {
    if (key.is_object() && key.contains("public_key_file")) key["public_key_file"] = 0;
  }
}

// A compiled-in fixture file's text without its trailing line ends.
inline std::string trimmedFixture(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace gateway::fuzz
