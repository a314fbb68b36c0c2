#include "libgateway/cache/cache_control.h"

#include <algorithm>
#include <array>

namespace gateway {

namespace {

bool isOws(char c) { return c == ' ' || c == '\t'; }

// delta-seconds: digits only; anything else counts as 0, too large as 2^31.
std::int64_t deltaSeconds(std::string_view v) {
  if (v.empty()) return 0;
  std::int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
    if (n >= kMaxDeltaSeconds) n = kMaxDeltaSeconds;  // and stays capped
  }
  return n;
}

void keepSmallest(std::optional<std::int64_t>& slot, std::int64_t value) {
  slot = slot ? std::min(*slot, value) : value;
}

void applyDirective(std::string_view name, std::string_view value, bool hasValue, CacheDirectives& d) {
  if (iequals(name, "no-store")) d.noStore = true;
  else if (iequals(name, "no-cache")) d.noCache = true;
  else if (iequals(name, "private")) d.isPrivate = true;
  else if (iequals(name, "public")) d.isPublic = true;
  else if (iequals(name, "must-revalidate") || iequals(name, "proxy-revalidate")) d.mustRevalidate = true;
  else if (iequals(name, "only-if-cached")) d.onlyIfCached = true;
  else if (iequals(name, "max-age")) keepSmallest(d.maxAge, hasValue ? deltaSeconds(value) : 0);
  else if (iequals(name, "s-maxage")) keepSmallest(d.sMaxAge, hasValue ? deltaSeconds(value) : 0);
  else if (iequals(name, "stale-while-revalidate")) keepSmallest(d.staleWhileRevalidate, hasValue ? deltaSeconds(value) : 0);
  else if (iequals(name, "stale-if-error")) keepSmallest(d.staleIfError, hasValue ? deltaSeconds(value) : 0);
}

int monthIndex(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (m == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "08:49:37"
bool parseClock(std::string_view t, int& h, int& mi, int& s) {
  return t.size() == 8 && t[2] == ':' && t[5] == ':' && digits(t.substr(0, 2), h) && digits(t.substr(3, 2), mi) &&
         digits(t.substr(6, 2), s);
}

std::optional<std::int64_t> toUnix(int year, int month, int day, int h, int mi, int s) {
  if (month < 1 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1]) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return std::nullopt;
  return daysFromCivil(year, month, day) * 86400 + h * 3600 + mi * 60 + s;
}

bool weekday(std::string_view w, bool full) {
  static constexpr std::array<std::string_view, 7> kShort = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> kFull = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                            "Friday", "Saturday", "Sunday"};
  const auto& names = full ? kFull : kShort;
  return std::find(names.begin(), names.end(), w) != names.end();
}

}  // namespace

void parseCacheControl(std::string_view v, CacheDirectives& d) {
  std::size_t i = 0;
  const std::size_t n = v.size();
  while (i < n) {
    while (i < n && (isOws(v[i]) || v[i] == ',')) ++i;
    const std::size_t nameStart = i;
    while (i < n && v[i] != '=' && v[i] != ',' && !isOws(v[i])) ++i;
    const std::string_view name = v.substr(nameStart, i - nameStart);
    while (i < n && isOws(v[i])) ++i;
    std::string_view value;
    bool hasValue = false;
    if (i < n && v[i] == '=') {
      ++i;
      while (i < n && isOws(v[i])) ++i;
      hasValue = true;
      if (i < n && v[i] == '"') {
        // A quoted-string: only its inside counts (escapes kept; no delta-seconds has any).
        const std::size_t start = ++i;
        while (i < n && v[i] != '"') i += v[i] == '\\' ? 2 : 1;
        value = v.substr(start, std::min(i, n) - start);
        if (i < n) ++i;
      } else {
        const std::size_t start = i;
        while (i < n && v[i] != ',' && !isOws(v[i])) ++i;
        value = v.substr(start, i - start);
      }
    }
    // Whatever follows up to the next comma is not part of a well-formed directive.
    while (i < n && v[i] != ',') ++i;
    if (!name.empty()) applyDirective(name, value, hasValue, d);
  }
}

CacheDirectives cacheDirectives(const Headers& headers) {
  CacheDirectives d;
  for (const Headers::Field f : headers) {
    if (iequals(f.name, "cache-control")) parseCacheControl(f.value, d);
  }
  return d;
}

std::optional<std::int64_t> parseHttpDate(std::string_view v) {
  while (!v.empty() && isOws(v.front())) v.remove_prefix(1);
  while (!v.empty() && isOws(v.back())) v.remove_suffix(1);
  int day = 0, year = 0, h = 0, mi = 0, s = 0;
  if (v.size() == 29 && v[3] == ',' && v.substr(25) == " GMT") {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (!weekday(v.substr(0, 3), false) || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ') return std::nullopt;
    const int month = monthIndex(v.substr(8, 3));
    if (!digits(v.substr(5, 2), day) || !month || !digits(v.substr(12, 4), year) || !parseClock(v.substr(17, 8), h, mi, s)) {
      return std::nullopt;
    }
    return toUnix(year, month, day, h, mi, s);
  }
  if (const auto comma = v.find(", "); comma != std::string_view::npos && v.size() == comma + 24 && v.ends_with(" GMT")) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year from 70 is 19xx.
    const std::string_view rest = v.substr(comma + 2);
    if (!weekday(v.substr(0, comma), true) || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ') return std::nullopt;
    const int month = monthIndex(rest.substr(3, 3));
    if (!digits(rest.substr(0, 2), day) || !month || !digits(rest.substr(7, 2), year) || !parseClock(rest.substr(10, 8), h, mi, s)) {
      return std::nullopt;
    }
    return toUnix(year < 70 ? 2000 + year : 1900 + year, month, day, h, mi, s);
  }
  if (v.size() == 24 && v[3] == ' ' && v[7] == ' ' && v[10] == ' ' && v[19] == ' ') {
    // asctime: "Sun Nov  6 08:49:37 1994"
    if (!weekday(v.substr(0, 3), false)) return std::nullopt;
    const int month = monthIndex(v.substr(4, 3));
    std::string_view dayText = v.substr(8, 2);
    if (dayText[0] == ' ') dayText.remove_prefix(1);
    if (!month || !digits(dayText, day) || !parseClock(v.substr(11, 8), h, mi, s) || !digits(v.substr(20, 4), year)) {
      return std::nullopt;
    }
    return toUnix(year, month, day, h, mi, s);
  }
  return std::nullopt;
}

std::optional<std::int64_t> ageSeconds(const Headers& headers) {
  const auto age = headers.find("age");
  if (!age) return std::nullopt;
  std::string_view v = *age;
  while (!v.empty() && isOws(v.front())) v.remove_prefix(1);
  while (!v.empty() && isOws(v.back())) v.remove_suffix(1);
  return deltaSeconds(v);
}

RequestCacheControl requestCacheControl(const Headers& headers) {
  RequestCacheControl r;
  bool hasCacheControl = false;
  CacheDirectives d;
  for (const Headers::Field f : headers) {
    if (iequals(f.name, "cache-control")) {
      hasCacheControl = true;
      parseCacheControl(f.value, d);
    }
  }
  r.noStore = d.noStore;
  r.noCache = d.noCache || (d.maxAge && *d.maxAge == 0);
  if (d.maxAge && *d.maxAge > 0) r.maxAge = d.maxAge;
  // Pragma: no-cache counts only without Cache-Control (RFC 9111 5.4).
  if (!hasCacheControl) {
    for (const Headers::Field f : headers) {
      if (!iequals(f.name, "pragma")) continue;
      CacheDirectives p;
      parseCacheControl(f.value, p);
      r.noCache = r.noCache || p.noCache;
    }
  }
  return r;
}

}  // namespace gateway
