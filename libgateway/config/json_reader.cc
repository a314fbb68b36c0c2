#include "libgateway/config/json_reader.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace gateway {

std::string FieldErrors::text() const {
  std::string out;
  for (const auto& e : list_) {
    out += e.str();
    out += '\n';
  }
  return out;
}

std::string childPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string childPath(std::string_view parent, std::size_t index) {
  return fmt::format("{}/{}", parent, index);
}

namespace {

// "line L, column C" of a byte offset, for a person to find it.
std::string lineAndColumn(std::string_view text, std::size_t byte) {
  byte = std::min(byte, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

}  // namespace

std::optional<nlohmann::json> parseJsonText(std::string_view text, FieldErrors& errors) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double ("1e400"): nlohmann names the literal but not where
    // it is, so the first place it appears is given.
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = open == std::string::npos ? open : what.find('\'', open + 1);
    const std::string literal = close == std::string::npos ? std::string() : what.substr(open + 1, close - open - 1);
    const std::size_t at = literal.empty() ? std::string_view::npos : text.find(literal);
    if (at == std::string_view::npos) {
      errors.add("", fmt::format("invalid JSON: the number {} is out of range", literal));
    } else {
      errors.add("", fmt::format("invalid JSON at {}: the number {} is out of range", lineAndColumn(text, at), literal));
    }
    return std::nullopt;
  } catch (const nlohmann::json::parse_error& e) {
    const std::string where = lineAndColumn(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    // Cut at the first ": " after "column": the rest may quote the input, which has its own.
    if (auto c = what.find("column"); c != std::string::npos) {
      if (auto p = what.find(": ", c); p != std::string::npos) what = what.substr(p + 2);
    }
    errors.add("", fmt::format("invalid JSON at {}: {}", where, what));
    return std::nullopt;
  }
}

std::string_view jsonTypeName(const nlohmann::json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

JsonReader::JsonReader(const nlohmann::json& value, std::string path, FieldErrors& errors)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors_.add(path_, fmt::format("expected an object, got {}", jsonTypeName(value)));
  }
}

bool JsonReader::has(std::string_view key) const {
  return object_ && object_->contains(key);
}

const nlohmann::json* JsonReader::lookup(std::string_view key, bool required) {
  known_.emplace_back(key);
  if (!object_) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end()) {
    if (required) errors_.add(childPath(path_, key), "required field is missing");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonReader::string(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    errors_.add(childPath(path_, key), fmt::format("expected a string, got {}", jsonTypeName(*v)));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::int64_t> JsonReader::integer(std::string_view key, std::int64_t min, std::int64_t max,
                                                bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  std::int64_t out = 0;
  if (v->is_number_integer()) {
    out = v->get<std::int64_t>();
  } else if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      errors_.add(childPath(path_, key), fmt::format("must be at most {}", max));
      return std::nullopt;
    }
    out = static_cast<std::int64_t>(u);
  } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
             std::fabs(v->get<double>()) < 9e15) {
    out = static_cast<std::int64_t>(v->get<double>());
  } else {
    errors_.add(childPath(path_, key), fmt::format("expected an integer, got {}", jsonTypeName(*v)));
    return std::nullopt;
  }
  if (out < min || out > max) {
    errors_.add(childPath(path_, key), fmt::format("must be between {} and {}, got {}", min, max, out));
    return std::nullopt;
  }
  return out;
}

std::optional<double> JsonReader::number(std::string_view key, double min, double max, bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    errors_.add(childPath(path_, key), fmt::format("expected a number, got {}", jsonTypeName(*v)));
    return std::nullopt;
  }
  const double out = v->get<double>();
  if (!(out >= min && out <= max)) {
    errors_.add(childPath(path_, key), fmt::format("must be between {} and {}, got {}", min, max, out));
    return std::nullopt;
  }
  return out;
}

std::optional<bool> JsonReader::boolean(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    errors_.add(childPath(path_, key), fmt::format("expected true or false, got {}", jsonTypeName(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

const nlohmann::json* JsonReader::array(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (v && !v->is_array()) {
    errors_.add(childPath(path_, key), fmt::format("expected an array, got {}", jsonTypeName(*v)));
    return nullptr;
  }
  return v;
}

const nlohmann::json* JsonReader::object(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (v && !v->is_object()) {
    errors_.add(childPath(path_, key), fmt::format("expected an object, got {}", jsonTypeName(*v)));
    return nullptr;
  }
  return v;
}

const nlohmann::json* JsonReader::any(std::string_view key, bool required) { return lookup(key, required); }

std::optional<std::string> JsonReader::choice(std::string_view key, const std::vector<std::string_view>& choices,
                                              bool required) {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    errors_.add(childPath(path_, key), fmt::format("\"{}\" is not one of: {}", *s, fmt::join(choices, ", ")));
    return std::nullopt;
  }
  return s;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void JsonReader::finish() {
  if (!object_) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string hint;
    std::size_t best = 3;
    for (const auto& k : known_) {
      const auto d = editDistance(key, k);
      if (d < best) {
        best = d;
        hint = fmt::format(" (did you mean \"{}\"?)", k);
      }
    }
    errors_.add(childPath(path_, key), "unknown field" + hint);
  }
}

}  // namespace gateway
