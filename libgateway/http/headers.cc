#include "libgateway/http/headers.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

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

namespace {
// Most messages carry a handful of short fields: one allocation of each kind covers them.
constexpr std::size_t kInitialFields = 8;
constexpr std::size_t kInitialText = 256;
}  // namespace

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

Headers::Headers(const Headers& other) : entries_(other.entries_) {
  if (other.textSize_ == 0) return;
  // The copy is packed: dead text of the original is not copied along.
  textCapacity_ = other.textSize_;
  text_ = std::make_unique_for_overwrite<char[]>(textCapacity_);
  std::memcpy(text_.get(), other.text_.get(), other.textSize_);
  textSize_ = other.textSize_;
}

Headers& Headers::operator=(const Headers& other) {
  if (this != &other) *this = Headers(other);
  return *this;
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.nameSize == name.size() && iequals({text_.get() + e.nameOffset, e.nameSize}, name)) {
      return std::string_view(text_.get() + e.valueOffset, e.valueSize);
    }
  }
  return std::nullopt;
}

std::string_view Headers::get(std::string_view name, std::string_view fallback) const {
  const auto v = find(name);
  return v ? *v : fallback;
}

std::vector<std::string_view> Headers::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& e : entries_) {
    const Field f = field(e);
    if (iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

void Headers::reserve(std::size_t fields, std::size_t bytes) {
  entries_.reserve(fields);
  if (bytes > textCapacity_ - textSize_) makeRoom(bytes);
}

void Headers::makeRoom(std::size_t bytes) {
  if (textSize_ + bytes > UINT32_MAX / 2) throw std::length_error("header fields over 2 GiB");
  std::size_t live = 0;
  for (const auto& e : entries_) live += e.nameSize + e.valueSize;
  // Dead text (removed fields, values that outgrew their place) is dropped when the buffer is
  // full; the new buffer holds at least twice what is needed, so appends stay amortised O(1).
  const std::size_t capacity = std::max(kInitialText, (live + bytes) * 2);
  auto packed = std::make_unique_for_overwrite<char[]>(capacity);
  std::uint32_t size = 0;
  for (auto& e : entries_) {
    std::memcpy(packed.get() + size, text_.get() + e.nameOffset, e.nameSize);
    e.nameOffset = size;
    size += e.nameSize;
    std::memcpy(packed.get() + size, text_.get() + e.valueOffset, e.valueSize);
    e.valueOffset = size;
    size += e.valueSize;
  }
  text_ = std::move(packed);
  textSize_ = size;
  textCapacity_ = static_cast<std::uint32_t>(capacity);
}

std::uint32_t Headers::append(std::string_view bytes) {
  const std::uint32_t offset = textSize_;
  if (!bytes.empty()) std::memcpy(text_.get() + offset, bytes.data(), bytes.size());
  textSize_ += static_cast<std::uint32_t>(bytes.size());
  return offset;
}

void Headers::add(std::string_view name, std::string_view value) {
  const std::size_t bytes = name.size() + value.size();
  if (bytes > textCapacity_ - textSize_) {
    if (inside(name) || inside(value)) {
      const std::string n(name), v(value);  // a field copied from this very Headers
      add(n, v);
      return;
    }
    makeRoom(bytes);
  }
  if (entries_.capacity() == 0) entries_.reserve(kInitialFields);
  Entry e;
  e.nameSize = static_cast<std::uint32_t>(name.size());
  e.valueSize = static_cast<std::uint32_t>(value.size());
  e.nameOffset = append(name);
  e.valueOffset = append(value);
  entries_.push_back(e);
}

void Headers::set(std::string_view name, std::string_view value) {
  std::size_t i = 0;
  while (i < entries_.size() && !(entries_[i].nameSize == name.size() && iequals(field(entries_[i]).name, name))) ++i;
  if (i == entries_.size()) {
    add(name, value);
    return;
  }
  // Drop any later duplicates so exactly one field remains (their text goes at compaction).
  entries_.erase(std::remove_if(entries_.begin() + static_cast<std::ptrdiff_t>(i) + 1, entries_.end(),
                                [&](const Entry& e) { return iequals(field(e).name, name); }),
                 entries_.end());
  if (value.size() <= entries_[i].valueSize) {
    // Fits where the old value was (memmove: the new value may overlap it).
    if (!value.empty()) std::memmove(text_.get() + entries_[i].valueOffset, value.data(), value.size());
    entries_[i].valueSize = static_cast<std::uint32_t>(value.size());
    return;
  }
  if (value.size() > textCapacity_ - textSize_) {
    if (inside(value)) {
      const std::string v(value);
      set(name, v);
      return;
    }
    makeRoom(value.size());  // moves every entry's text, entries_[i] included
  }
  entries_[i].valueOffset = append(value);
  entries_[i].valueSize = static_cast<std::uint32_t>(value.size());
}

void Headers::setAll(const Headers& other) {
  if (&other == this) return;  // every field is already set
  for (const Field f : other) set(f.name, f.value);
}

std::size_t Headers::remove(std::string_view name) {
  return removeIf([&](const Field& f) { return iequals(f.name, name); });
}

}  // namespace gateway
