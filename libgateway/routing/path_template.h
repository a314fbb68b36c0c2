// Path patterns and rewrite templates. A route path is a sequence of '/'-separated
// segments; in a template a whole segment may be a parameter "{name}". A rewrite template
// is text with "{name}" placeholders filled from captures, and "{*}" for the rest of the
// path after a prefix. Plain values, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway {

struct PathSegment {
  std::string text;     // literal text, or the parameter name
  bool isParam = false;
};

struct ParsedPath {
  std::vector<PathSegment> segments;
  bool trailingSlash = false;  // "/users/" vs "/users"
  std::string error;           // empty when valid
  bool ok() const { return error.empty(); }
};

// Parses "/users/{id}/orders". `allowParams` false rejects any "{...}" (exact and prefix
// paths). Errors: not starting with '/', empty or unclosed braces, bad names, duplicate names.
ParsedPath parsePath(std::string_view path, bool allowParams);

// Calls `fn(segment)` for each segment of a request path, skipping the leading '/'.
// "/a/b/" yields "a", "b", "" (a trailing empty segment).
template <class Fn>
inline void forEachSegment(std::string_view path, Fn&& fn) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return;
  while (true) {
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) {
      fn(path);
      return;
    }
    fn(path.substr(0, slash));
    path.remove_prefix(slash + 1);
  }
}

using Captures = std::vector<std::pair<std::string_view, std::string>>;

class RewriteTemplate {
 public:
  RewriteTemplate() = default;
  // Parses the template; `error` is set when it is malformed.
  static RewriteTemplate parse(std::string_view text, std::string& error);

  // The parameter names it uses ("*" for the rest-of-path placeholder).
  std::vector<std::string> names() const;
  // Builds the upstream path. `rest` is the request path after the matched prefix.
  std::string expand(const Captures& captures, std::string_view rest) const;

 private:
  struct Part {
    std::string text;
    enum class Kind { kLiteral, kParam, kRest } kind = Kind::kLiteral;
  };
  std::vector<Part> parts_;
};

}  // namespace gateway
