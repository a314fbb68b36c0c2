// Strict reading of JSON documents (gateway config, scenario files) that collects every
// error with its JSON Pointer path instead of stopping at the first one:
//   /routes/3/service: unknown service "ordrs"
// JsonReader wraps one JSON object: typed getters record which keys were read, and
// finish() reports every key that was not (with a "did you mean" hint). Not thread-safe;
// readers are short-lived locals of a loader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gateway {

struct FieldError {
  std::string path;  // JSON Pointer, "" for the document root
  std::string message;
  std::string str() const { return (path.empty() ? std::string("/") : path) + ": " + message; }
};

class FieldErrors {
 public:
  void add(std::string path, std::string message) { list_.push_back({std::move(path), std::move(message)}); }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<FieldError>& list() const { return list_; }
  // One error per line.
  std::string text() const;

 private:
  std::vector<FieldError> list_;
};

// Appends a key or index to a JSON Pointer, escaping '~' and '/' (RFC 6901).
std::string childPath(std::string_view parent, std::string_view key);
std::string childPath(std::string_view parent, std::size_t index);

// Parses JSON text; on a syntax error records "line L, column C: ..." at path "" and
// returns nullopt. `what` names the document in the message ("config", "scenario").
std::optional<nlohmann::json> parseJsonText(std::string_view text, FieldErrors& errors);

std::string_view jsonTypeName(const nlohmann::json& value);

// Levenshtein distance, for "did you mean" hints.
std::size_t editDistance(std::string_view a, std::string_view b);

class JsonReader {
 public:
  // Records an error if `value` is not an object; every getter then returns its fallback.
  JsonReader(const nlohmann::json& value, std::string path, FieldErrors& errors);

  bool isObject() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  bool has(std::string_view key) const;
  std::string pathOf(std::string_view key) const { return childPath(path_, key); }

  // Each getter marks `key` as known. A missing required key is an error; a present key of
  // the wrong type or out of range is an error; both return nullopt.
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required = false);
  std::optional<double> number(std::string_view key, double min, double max, bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  // The raw value if present and of the right JSON type, else nullptr (error recorded).
  const nlohmann::json* array(std::string_view key, bool required = false);
  const nlohmann::json* object(std::string_view key, bool required = false);
  const nlohmann::json* any(std::string_view key, bool required = false);
  // A string that must be one of `choices`.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string_view>& choices,
                                    bool required = false);

  // Reports every key that no getter asked for.
  void finish();

  FieldErrors& errors() { return errors_; }

 private:
  const nlohmann::json* lookup(std::string_view key, bool required);

  const nlohmann::json* object_ = nullptr;
  std::string path_;
  FieldErrors& errors_;
  std::vector<std::string> known_;
};

}  // namespace gateway
