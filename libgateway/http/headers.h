// HTTP header fields as a plain value: ordered, repeated fields kept, names compared
// case-insensitively (RFC 9110 5.1). No Beast types: the core and the simulator share it.
// Not thread-safe; a Headers value is owned by the Request or Response that holds it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway {

bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);

class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  // The first value of `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  std::string_view get(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::vector<std::string_view> all(std::string_view name) const;

  // Appends a field, keeping any existing ones of the same name.
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one field.
  void set(std::string_view name, std::string_view value);
  // The same, taking ownership of the strings (no copies on hot paths).
  void set(Field field);
  // Removes every field for which pred(field) is true, in one pass.
  template <class Pred>
  std::size_t removeIf(Pred pred) {
    const auto before = fields_.size();
    std::erase_if(fields_, pred);
    return before - fields_.size();
  }
  void reserve(std::size_t n) { fields_.reserve(n); }
  // Removes every field of that name; returns how many were removed.
  std::size_t remove(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  // Moves every field out, leaving this empty.
  std::vector<Field> take() { return std::exchange(fields_, {}); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace gateway
