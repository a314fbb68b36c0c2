#include "libgateway/routing/path_template.h"

#include <algorithm>

#include <fmt/format.h>

namespace gateway {

static bool validParamName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

ParsedPath parsePath(std::string_view path, bool allowParams) {
  ParsedPath out;
  if (path.empty() || path.front() != '/') {
    out.error = "must start with '/'";
    return out;
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    out.error = "must not contain '?' or '#'";
    return out;
  }
  if (path.size() > 1 && path.back() == '/') out.trailingSlash = true;
  std::string_view body = path.substr(1);
  if (out.trailingSlash) body.remove_suffix(1);
  if (body.empty()) return out;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto slash = body.find('/', start);
    if (slash == std::string_view::npos) slash = body.size();
    const std::string_view seg = body.substr(start, slash - start);
    if (seg.empty()) {
      out.error = "empty segment (\"//\")";
      return out;
    }
    const bool hasBrace = seg.find_first_of("{}") != std::string_view::npos;
    if (hasBrace) {
      if (!allowParams) {
        out.error = "parameters like \"{id}\" need a template match";
        return out;
      }
      if (seg.size() < 2 || seg.front() != '{' || seg.back() != '}' ||
          seg.substr(1, seg.size() - 2).find_first_of("{}") != std::string_view::npos) {
        out.error = fmt::format("segment \"{}\": a parameter must be a whole segment like {{name}}", seg);
        return out;
      }
      const std::string_view name = seg.substr(1, seg.size() - 2);
      if (!validParamName(name)) {
        out.error = fmt::format("segment \"{}\": parameter names use letters, digits, '_' and '-'", seg);
        return out;
      }
      std::size_t params = 1;
      for (const auto& s : out.segments) params += s.isParam;
      if (params > 8) {
        out.error = "at most 8 parameters in one template";
        return out;
      }
      for (const auto& s : out.segments) {
        if (s.isParam && s.text == name) {
          out.error = fmt::format("parameter \"{}\" appears twice", name);
          return out;
        }
      }
      out.segments.push_back({std::string(name), true});
    } else {
      out.segments.push_back({std::string(seg), false});
    }
    start = slash + 1;
  }
  return out;
}

RewriteTemplate RewriteTemplate::parse(std::string_view text, std::string& error) {
  RewriteTemplate t;
  error.clear();
  if (text.empty() || (text.front() != '/' && text.substr(0, 3) != "{*}")) {
    error = "must start with '/' or \"{*}\"";
    return t;
  }
  // The client's query is appended to the rewritten path; a second '?' would corrupt it.
  if (text.find_first_of("?#") != std::string_view::npos) {
    error = "must not contain '?' or '#' (the query is forwarded as received)";
    return t;
  }
  std::size_t i = 0;
  std::string literal;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '}') {
      error = fmt::format("unmatched '}}' at offset {}", i);
      return t;
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    const auto close = text.find('}', i);
    if (close == std::string_view::npos) {
      error = fmt::format("unclosed '{{' at offset {}", i);
      return t;
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (name != "*" && !validParamName(name)) {
      error = fmt::format("bad placeholder \"{{{}}}\"", name);
      return t;
    }
    if (!literal.empty()) t.parts_.push_back({std::move(literal), Part::Kind::kLiteral});
    literal.clear();
    t.parts_.push_back({std::string(name), name == "*" ? Part::Kind::kRest : Part::Kind::kParam});
    i = close + 1;
  }
  if (!literal.empty()) t.parts_.push_back({std::move(literal), Part::Kind::kLiteral});
  return t;
}

std::vector<std::string> RewriteTemplate::names() const {
  std::vector<std::string> out;
  for (const auto& p : parts_) {
    if (p.kind != Part::Kind::kLiteral) out.push_back(p.text);
  }
  return out;
}

std::string RewriteTemplate::expand(const Captures& captures, std::string_view rest) const {
  std::string out;
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Part::Kind::kLiteral: out += p.text; break;
      case Part::Kind::kRest: out += rest; break;
      case Part::Kind::kParam:
        for (const auto& [name, value] : captures) {
          if (name == p.text) {
            out += value;
            break;
          }
        }
        break;
    }
  }
  // Joining a literal that ends in '/' with a rest that starts with '/' would double it.
  std::string collapsed;
  collapsed.reserve(out.size());
  for (char c : out) {
    if (c == '/' && !collapsed.empty() && collapsed.back() == '/') continue;
    collapsed += c;
  }
  if (collapsed.empty() || collapsed.front() != '/') collapsed.insert(collapsed.begin(), '/');
  return collapsed;
}

}  // namespace gateway
