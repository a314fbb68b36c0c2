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
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway {

// ASCII case-insensitive equality (field names are ASCII tokens). Inline: header lookups
// compare names many times per request.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i], y = b[i];
    if (x == y) continue;
    if ((x | 0x20) != (y | 0x20) || static_cast<unsigned char>((x | 0x20) - 'a') > 'z' - 'a') return false;
  }
  return true;
}
std::string toLower(std::string_view s);

// True for a Connection field value made only of "keep-alive" / "close" tokens (it names no
// other hop-by-hop field), so a parser can drop it instead of leaving it to the core.
bool plainConnectionValue(std::string_view value);

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
      : block_(std::exchange(other.block_, nullptr)),
        count_(std::exchange(other.count_, 0)),
        entryCapacity_(std::exchange(other.entryCapacity_, 0)),
        textSize_(std::exchange(other.textSize_, 0)),
        textCapacity_(std::exchange(other.textCapacity_, 0)) {}
  Headers& operator=(Headers&& other) noexcept {
    if (this == &other) return *this;
    freeBlock(block_, entryCapacity_, textCapacity_);
    block_ = std::exchange(other.block_, nullptr);
    count_ = std::exchange(other.count_, 0);
    entryCapacity_ = std::exchange(other.entryCapacity_, 0);
    textSize_ = std::exchange(other.textSize_, 0);
    textCapacity_ = std::exchange(other.textCapacity_, 0);
    return *this;
  }
  ~Headers() { freeBlock(block_, entryCapacity_, textCapacity_); }

  // The first value of `name`, or nullopt.
  std::optional<std::string_view> find(std::string_view name) const;
  std::string_view get(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const { return find(name).has_value(); }
  std::vector<std::string_view> all(std::string_view name) const;

  // Appends a field, keeping any existing ones of the same name. Inline while the block has
  // room (the request path adds about twenty fields per exchange).
  void add(std::string_view name, std::string_view value) {
    const std::size_t n = name.size(), v = value.size();
    if (count_ == entryCapacity_ || n + v > textCapacity_ - textSize_) [[unlikely]] {
      addGrowing(name, value);
      return;
    }
    char* t = text() + textSize_;
    copyBytes(t, name.data(), n);
    copyBytes(t + n, value.data(), v);
    const Entry e{textSize_, static_cast<std::uint32_t>(n), textSize_ + static_cast<std::uint32_t>(n),
                  static_cast<std::uint32_t>(v)};
    std::memcpy(entries() + count_++, &e, sizeof e);  // into a recycled block: memcpy makes the Entry
    textSize_ += static_cast<std::uint32_t>(n + v);
  }
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
  Entry* entries() const { return reinterpret_cast<Entry*>(block_); }
  char* text() const { return reinterpret_cast<char*>(block_) + entryCapacity_ * sizeof(Entry); }
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
  // `exact` (reserve, copies): just the room asked for (at least the first block's);
  // otherwise twice what is needed, so appends stay amortised O(1).
  void grow(std::size_t fields, std::size_t bytes, bool exact = false);
  // Blocks of the first size (most messages never outgrow it) are recycled per thread.
  static std::byte* allocateBlock(std::size_t entryCapacity, std::size_t textCapacity);
  static void freeBlock(std::byte* block, std::size_t entryCapacity, std::size_t textCapacity);
  std::uint32_t append(std::string_view bytes);  // with room already made
  void addGrowing(std::string_view name, std::string_view value);
  static void copyLong(char* to, const char* from, std::size_t n);
  // memcpy for the short names and values fields mostly are, without a library call.
  static void copyBytes(char* to, const char* from, std::size_t n) {
    if (n >= 8 && n <= 16) {
      std::uint64_t a, b;
      std::memcpy(&a, from, 8);
      std::memcpy(&b, from + n - 8, 8);
      std::memcpy(to, &a, 8);
      std::memcpy(to + n - 8, &b, 8);
    } else if (n > 16 && n <= 32) {
      char a[16], b[16];
      std::memcpy(a, from, 16);
      std::memcpy(b, from + n - 16, 16);
      std::memcpy(to, a, 16);
      std::memcpy(to + n - 16, b, 16);
    } else if (n > 32) {
      copyLong(to, from, n);  // out of line: inlined, GCC makes it a slow `rep movsq`
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, from, 4);
      std::memcpy(&b, from + n - 4, 4);
      std::memcpy(to, &a, 4);
      std::memcpy(to + n - 4, &b, 4);
    } else {
      for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
    }
  }

  std::byte* block_ = nullptr;  // owned: entries, then text
  std::uint32_t count_ = 0;
  std::uint32_t entryCapacity_ = 0;
  std::uint32_t textSize_ = 0;
  std::uint32_t textCapacity_ = 0;
};

}  // namespace gateway
