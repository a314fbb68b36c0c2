#include "libgateway/http/headers.h"

#include "libgateway/core/block_pool.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace gateway {

static inline char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lowerAscii(c);
  return out;
}

namespace {
// Most messages carry a handful of short fields: the first block covers them.
constexpr std::size_t kInitialFields = 16;
constexpr std::size_t kInitialText = 512;
constexpr std::size_t kEntrySize = 16;
using FirstBlocks = BlockFreeList<kInitialFields * kEntrySize + kInitialText, alignof(std::max_align_t)>;
}  // namespace

std::byte* Headers::allocateBlock(std::size_t entryCapacity, std::size_t textCapacity) {
  if (entryCapacity == kInitialFields && textCapacity == kInitialText) return static_cast<std::byte*>(FirstBlocks::take());
  return new std::byte[entryCapacity * sizeof(Entry) + textCapacity];
}

void Headers::freeBlock(std::byte* block, std::size_t entryCapacity, std::size_t textCapacity) {
  if (block == nullptr) return;
  if (entryCapacity == kInitialFields && textCapacity == kInitialText) FirstBlocks::give(block);
  else delete[] block;
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

Headers::Headers(const Headers& other) {
  // The copy is packed: dead text of the original is not copied along.
  if (other.count_ == 0) return;
  grow(other.count_, other.textSize_, true);
  for (const Field f : other) add(f.name, f.value);  // repeated fields stay repeated
}

Headers& Headers::operator=(const Headers& other) {
  if (this != &other) *this = Headers(other);
  return *this;
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  const Entry* e = entries();
  const char* t = text();
  for (std::uint32_t i = 0; i < count_; ++i) {
    if (e[i].nameSize == name.size() && iequals({t + e[i].nameOffset, e[i].nameSize}, name)) {
      return std::string_view(t + e[i].valueOffset, e[i].valueSize);
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
  for (const Field f : *this) {
    if (iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

void Headers::reserve(std::size_t fields, std::size_t bytes) {
  if (fields > entryCapacity_ - count_ || bytes > textCapacity_ - textSize_) grow(fields, bytes, true);
}

void Headers::grow(std::size_t fields, std::size_t bytes, bool exact) {
  static_assert(sizeof(Entry) == kEntrySize);
  std::size_t live = 0;
  const Entry* old = entries();
  for (std::uint32_t i = 0; i < count_; ++i) live += old[i].nameSize + old[i].valueSize;
  if (live + bytes > UINT32_MAX / 4 || count_ + fields > UINT32_MAX / 4) throw std::length_error("header fields over 1 GiB");
  const std::size_t factor = exact ? 1 : 2;
  const std::size_t entryCapacity = std::max(kInitialFields, (count_ + fields) * factor);
  const std::size_t textCapacity = std::max(kInitialText, (live + bytes) * factor);
  std::byte* block = allocateBlock(entryCapacity, textCapacity);
  Entry* entries = reinterpret_cast<Entry*>(block);
  char* packed = reinterpret_cast<char*>(block) + entryCapacity * sizeof(Entry);
  const char* oldText = text();
  std::uint32_t size = 0;
  for (std::uint32_t i = 0; i < count_; ++i) {
    Entry e = old[i];
    std::memcpy(packed + size, oldText + e.nameOffset, e.nameSize);
    e.nameOffset = size;
    size += e.nameSize;
    std::memcpy(packed + size, oldText + e.valueOffset, e.valueSize);
    e.valueOffset = size;
    size += e.valueSize;
    std::memcpy(entries + i, &e, sizeof e);
  }
  freeBlock(block_, entryCapacity_, textCapacity_);
  block_ = block;
  entryCapacity_ = static_cast<std::uint32_t>(entryCapacity);
  textSize_ = size;
  textCapacity_ = static_cast<std::uint32_t>(textCapacity);
}

std::uint32_t Headers::append(std::string_view bytes) {
  const std::uint32_t offset = textSize_;
  if (!bytes.empty()) std::memcpy(text() + offset, bytes.data(), bytes.size());
  textSize_ += static_cast<std::uint32_t>(bytes.size());
  return offset;
}

void Headers::copyLong(char* to, const char* from, std::size_t n) { std::memcpy(to, from, n); }

void Headers::addGrowing(std::string_view name, std::string_view value) {
  if (block_ == nullptr && name.size() + value.size() <= kInitialText) {
    // The first field of a message: the first block, straight from the free list.
    block_ = allocateBlock(kInitialFields, kInitialText);
    entryCapacity_ = kInitialFields;
    textCapacity_ = kInitialText;
    textSize_ = 0;
    add(name, value);
    return;
  }
  if (inside(name) || inside(value)) {
    const std::string n(name), v(value);  // a field copied from this very Headers
    addGrowing(n, v);
    return;
  }
  grow(1, name.size() + value.size());
  add(name, value);
}

void Headers::set(std::string_view name, std::string_view value) {
  Entry* e = entries();
  std::uint32_t i = 0;
  while (i < count_ && !(e[i].nameSize == name.size() && iequals(field(e[i]).name, name))) ++i;
  if (i == count_) {
    add(name, value);
    return;
  }
  // Drop any later duplicates so exactly one field remains (their text goes at the next grow).
  Entry* last = std::remove_if(e + i + 1, e + count_, [&](const Entry& x) { return iequals(field(x).name, name); });
  count_ = static_cast<std::uint32_t>(last - e);
  if (value.size() <= e[i].valueSize) {
    // Fits where the old value was (memmove: the new value may overlap it).
    if (!value.empty()) std::memmove(text() + e[i].valueOffset, value.data(), value.size());
    e[i].valueSize = static_cast<std::uint32_t>(value.size());
    return;
  }
  if (value.size() > textCapacity_ - textSize_) {
    if (inside(value)) {
      const std::string v(value);
      set(name, v);
      return;
    }
    grow(0, value.size());  // a new block: entries are re-read below
  }
  Entry& target = entries()[i];
  target.valueOffset = append(value);
  target.valueSize = static_cast<std::uint32_t>(value.size());
}

void Headers::setAll(const Headers& other) {
  if (&other == this) return;  // every field is already set
  for (const Field f : other) set(f.name, f.value);
}

std::size_t Headers::remove(std::string_view name) {
  return removeIf([&](const Field& f) { return iequals(f.name, name); });
}

bool plainConnectionValue(std::string_view value) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view token = value.substr(start, comma - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty() && !iequals(token, "keep-alive") && !iequals(token, "close")) return false;
    start = comma + 1;
  }
  return true;
}

}  // namespace gateway
