// HTTP header fields as a plain value: ordered, repeated fields kept, names compared
// case-insensitively (RFC 9110 5.1). No Beast types: the core and the simulator share it.
// Not thread-safe; a Headers value is owned by the Request or Response that holds it.
//
// Storage: one block holds an array of entries (offsets and sizes) and then the text of every
// name and value, so a message's fields cost one allocation, not two per field (the request
// path adds a dozen fields per exchange). The string_views handed out (get, find, iteration)
// stay valid until the next add or set on the same Headers; remove never moves text.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway {

bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);

class Headers {
  struct Entry {
    std::uint32_t nameOffset;
    std::uint32_t nameSize;
    std::uint32_t valueOffset;
    std::uint32_t valueSize;
  };

 public:
  // A view of one field (valid as the views above are).
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;

    const_iterator() = default;
    const_iterator(const Entry* entry, const char* text) : entry_(entry), text_(text) {}
    Field operator*() const {
      return {{text_ + entry_->nameOffset, entry_->nameSize}, {text_ + entry_->valueOffset, entry_->valueSize}};
    }
    const_iterator& operator++() { ++entry_; return *this; }
    const_iterator operator++(int) { auto old = *this; ++entry_; return old; }
    bool operator==(const const_iterator& o) const { return entry_ == o.entry_; }

   private:
    const Entry* entry_ = nullptr;
    const char* text_ = nullptr;
  };

  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  Headers(const Headers& other);
  Headers& operator=(const Headers& other);
  Headers(Headers&& other) noexcept
      : block_(std::move(other.block_)),
        count_(std::exchange(other.count_, 0)),
        entryCapacity_(std::exchange(other.entryCapacity_, 0)),
        textSize_(std::exchange(other.textSize_, 0)),
        textCapacity_(std::exchange(other.textCapacity_, 0)) {}
  Headers& operator=(Headers&& other) noexcept {
    block_ = std::move(other.block_);
    count_ = std::exchange(other.count_, 0);
    entryCapacity_ = std::exchange(other.entryCapacity_, 0);
    textSize_ = std::exchange(other.textSize_, 0);
    textCapacity_ = std::exchange(other.textCapacity_, 0);
    return *this;
  }

  // The first value of `name`, or nullopt.
  std::optional<std::string_view> find(std::string_view name) const;
  std::string_view get(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const { return find(name).has_value(); }
  std::vector<std::string_view> all(std::string_view name) const;

  // Appends a field, keeping any existing ones of the same name.
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one field (in the first one's place).
  void set(std::string_view name, std::string_view value);
  // set() for every field of `other`, in order.
  void setAll(const Headers& other);
  // Removes every field for which pred(Field) is true, in one pass.
  template <class Pred>
  std::size_t removeIf(Pred pred) {
    Entry* first = entries();
    Entry* last = std::remove_if(first, first + count_, [&](const Entry& e) { return pred(field(e)); });
    const auto removed = static_cast<std::size_t>(first + count_ - last);
    count_ = static_cast<std::uint32_t>(last - first);
    return removed;
  }
  // Removes every field of that name; returns how many were removed.
  std::size_t remove(std::string_view name);
  void clear() {
    count_ = 0;
    textSize_ = 0;
  }
  // Room for `fields` fields of `bytes` bytes of names and values in all.
  void reserve(std::size_t fields, std::size_t bytes);

  std::size_t size() const { return count_; }
  // Bytes of text held, live or not yet compacted away.
  std::size_t textBytes() const { return textSize_; }
  bool empty() const { return count_ == 0; }
  Field operator[](std::size_t i) const { return field(entries()[i]); }
  const_iterator begin() const { return {entries(), text()}; }
  const_iterator end() const { return {entries() + count_, text()}; }

 private:
  // One allocation holds the entries, then the text.
  Entry* entries() const { return reinterpret_cast<Entry*>(block_.get()); }
  char* text() const { return reinterpret_cast<char*>(block_.get()) + entryCapacity_ * sizeof(Entry); }
  Field field(const Entry& e) const {
    const char* t = text();
    return {{t + e.nameOffset, e.nameSize}, {t + e.valueOffset, e.valueSize}};
  }
  bool inside(std::string_view bytes) const {
    return !bytes.empty() && bytes.data() >= text() && bytes.data() < text() + textSize_;
  }
  // Makes room for `fields` more entries and `bytes` more bytes of text, in a new block that
  // drops the dead text (removed fields, values that outgrew their place). Invalidates views
  // into the text; callers copy aliased input first.
  void grow(std::size_t fields, std::size_t bytes);
  std::uint32_t append(std::string_view bytes);  // with room already made

  std::unique_ptr<std::byte[]> block_;
  std::uint32_t count_ = 0;
  std::uint32_t entryCapacity_ = 0;
  std::uint32_t textSize_ = 0;
  std::uint32_t textCapacity_ = 0;
};

}  // namespace gateway
