#include "libgateway/http/headers.h"

#include <algorithm>

namespace gateway {

static inline char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lowerAscii(c);
  return out;
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::string_view Headers::get(std::string_view name, std::string_view fallback) const {
  const std::string* v = find(name);
  return v ? std::string_view(*v) : fallback;
}

std::vector<std::string_view> Headers::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

void Headers::add(std::string_view name, std::string_view value) {
  // Most messages carry a handful of fields: one allocation instead of several regrowths.
  if (fields_.capacity() == 0) fields_.reserve(8);
  fields_.push_back(Field{std::string(name), std::string(value)});
}

void Headers::set(Field field) {
  remove(field.name);
  if (fields_.capacity() == 0) fields_.reserve(8);
  fields_.push_back(std::move(field));
}

void Headers::set(std::string_view name, std::string_view value) {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const Field& f) { return iequals(f.name, name); });
  if (it == fields_.end()) {
    add(name, value);
    return;
  }
  it->value.assign(value);
  // Drop any later duplicates so exactly one field remains.
  fields_.erase(std::remove_if(it + 1, fields_.end(), [&](const Field& f) { return iequals(f.name, name); }),
                fields_.end());
}

std::size_t Headers::remove(std::string_view name) {
  const auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const Field& f) { return iequals(f.name, name); }),
                fields_.end());
  return before - fields_.size();
}

}  // namespace gateway
