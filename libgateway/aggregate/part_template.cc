#include "libgateway/aggregate/part_template.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/http/percent_encoding.h"

namespace gateway {

namespace {

bool partNameCharOk(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Literal text of a part path: visible ASCII, without what would break the request line or
// the template itself.
bool partLiteralChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return c != '#' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '`' && c != '^' && c != '|';
}

std::vector<std::string> partSplitDots(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    out.emplace_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// Reads the placeholder between braces; `at` is the position of its '{' for messages.
bool readPartPlaceholder(std::string_view inner, std::size_t at, PartPlaceholder& p, std::string& error) {
  p.text = fmt::format("{{{}}}", inner);
  if (inner.empty()) {
    error = fmt::format("at character {}: empty placeholder \"{{}}\"", at + 1);
    return false;
  }
  const auto dot = inner.find('.');
  const std::string_view head = inner.substr(0, dot);
  if (head.empty() || !std::all_of(head.begin(), head.end(), partNameCharOk)) {
    error = fmt::format("at character {}: \"{}\" is not a placeholder (a name of letters, digits, '_' and '-', "
                        "\"consumer\", \"query.NAME\" or \"PART.field\")",
                        at + 1, p.text);
    return false;
  }
  if (dot == std::string_view::npos) {
    p.kind = head == "consumer" ? PartPlaceholder::Kind::kConsumer : PartPlaceholder::Kind::kCapture;
    p.name = head;
    return true;
  }
  const std::string_view rest = inner.substr(dot + 1);
  if (head == "query") {
    p.kind = PartPlaceholder::Kind::kQuery;
    p.name = rest;
    if (rest.empty() || rest.find_first_of("&=+% ") != std::string_view::npos) {
      error = fmt::format("at character {}: \"{}\" needs a query parameter name (without '&', '=', '+', '%' or space)",
                          at + 1, p.text);
      return false;
    }
    return true;
  }
  p.kind = PartPlaceholder::Kind::kPart;
  p.name = head;
  p.field = partSplitDots(rest);
  for (const auto& step : p.field) {
    if (step.empty()) {
      error = fmt::format("at character {}: \"{}\" has an empty field name", at + 1, p.text);
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<PartTemplate> PartTemplate::parse(std::string_view text, std::string& error) {
  PartTemplate t;
  t.text_ = text;
  if (text.empty() || text.front() != '/') {
    error = "must start with '/'";
    return std::nullopt;
  }
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      error = fmt::format("at character {}: '}}' without its '{{'", i + 1);
      return std::nullopt;
    }
    if (c == '{') {
      const auto close = text.find('}', i + 1);
      const auto nextOpen = text.find('{', i + 1);
      if (close == std::string_view::npos || nextOpen < close) {
        error = fmt::format("at character {}: '{{' is not closed", i + 1);
        return std::nullopt;
      }
      PartPlaceholder p;
      if (!readPartPlaceholder(text.substr(i + 1, close - i - 1), i, p, error)) return std::nullopt;
      t.pieces_.push_back({std::move(literal), t.placeholders_.size()});
      t.placeholders_.push_back(std::move(p));
      literal.clear();
      i = close;
      continue;
    }
    if (!partLiteralChar(c)) {
      error = fmt::format("at character {}: {} is not allowed in a path (encode it as %XX)", i + 1,
                          c == ' ' ? std::string("a space") : fmt::format("byte 0x{:02X}", static_cast<unsigned char>(c)));
      return std::nullopt;
    }
    literal += c;
  }
  if (!literal.empty()) t.pieces_.push_back({std::move(literal), std::string::npos});
  return t;
}

bool PartTemplate::expand(const PartInputs& in, std::string& out, std::string& why) const {
  out.clear();
  for (const Piece& piece : pieces_) {
    out += piece.literal;
    if (piece.placeholder == std::string::npos) continue;
    const PartPlaceholder& p = placeholders_[piece.placeholder];
    switch (p.kind) {
      case PartPlaceholder::Kind::kCapture: {
        const RouteCaptures::Capture* found = nullptr;
        if (in.captures) {
          for (const auto& c : *in.captures) {
            if (c.first == p.name) found = &c;
          }
        }
        if (!found) {
          why = fmt::format("{}: the route captured no \"{}\"", p.text, p.name);
          return false;
        }
        appendPercentEncoded(out, percentDecode(found->second, false));
        break;
      }
      case PartPlaceholder::Kind::kQuery: {
        const auto value = queryValue(in.query, p.name);
        if (!value) {
          why = fmt::format("{}: the request has no query parameter \"{}\"", p.text, p.name);
          return false;
        }
        appendPercentEncoded(out, *value);
        break;
      }
      case PartPlaceholder::Kind::kConsumer:
        if (in.consumer.empty()) {
          why = fmt::format("{}: the request is anonymous", p.text);
          return false;
        }
        appendPercentEncoded(out, in.consumer);
        break;
      case PartPlaceholder::Kind::kPart: {
        const nlohmann::json* doc = p.part < in.documents.size() ? in.documents[p.part] : nullptr;
        if (!doc) {
          why = fmt::format("{}: part \"{}\" has no answer", p.text, p.name);
          return false;
        }
        std::string fieldWhy;
        const auto value = fieldText(*doc, p.field, fieldWhy);
        if (!value) {
          why = fmt::format("{}: {}", p.text, fieldWhy);
          return false;
        }
        appendPercentEncoded(out, *value);
        break;
      }
    }
  }
  return true;
}

std::optional<std::string> queryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> fieldText(const nlohmann::json& document, std::span<const std::string> field,
                                     std::string& why) {
  const nlohmann::json* at = &document;
  std::string walked;
  for (const auto& step : field) {
    const std::string parent = walked.empty() ? std::string("answer") : "answer's \"" + walked + "\"";
    if (!walked.empty()) walked += '.';
    walked += step;
    if (at->is_object()) {
      auto it = at->find(step);
      if (it == at->end()) {
        why = fmt::format("the answer has no field \"{}\"", walked);
        return std::nullopt;
      }
      at = &*it;
      continue;
    }
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), index);
    if (at->is_array() && ec == std::errc() && end == step.data() + step.size()) {
      if (index >= at->size()) {
        why = fmt::format("the {} has no element {}", parent, index);
        return std::nullopt;
      }
      at = &(*at)[index];
      continue;
    }
    why = fmt::format("the answer has no field \"{}\"", walked);
    return std::nullopt;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number() || at->is_boolean()) return at->dump();
  why = fmt::format("the answer's \"{}\" is {}, not a string, number or boolean", walked,
                    at->is_null() ? "null" : at->is_object() ? "an object" : "an array");
  return std::nullopt;
}

}  // namespace gateway
