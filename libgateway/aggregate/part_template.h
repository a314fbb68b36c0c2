// The path of an aggregation part: literal text with placeholders, filled per request.
//   "/users/{id}"                      a capture of the route's match template
//   "/search?q={query.term}"          a query parameter of the client's request
//   "/prefs/{consumer}"                the consumer the request was identified as
//   "/recommendations?userId={user.id}" a field of another part's answer (user's "id"): a
//                                      dependency, so that part runs first
// A part field path is dotted keys; a step that is a number indexes an array
// ("{orders.orders.0.id}"). Every value is percent-encoded (all but the unreserved characters
// A-Z a-z 0-9 - . _ ~), so it stays one path segment or one query value; captures and query
// values are decoded first, so a value already encoded is not encoded twice. A value that is
// not there (a query parameter not given, an anonymous request, a field missing or not a
// string, number or boolean) makes expand() fail with the reason: the part is skipped.
// Immutable after parse(); safe to share between threads.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "libgateway/routing/route_table.h"

namespace gateway {

struct PartPlaceholder {
  enum class Kind { kCapture, kQuery, kConsumer, kPart };
  Kind kind = Kind::kCapture;
  std::string name;                // capture or query parameter name; kPart: the part's name
  std::vector<std::string> field;  // kPart: the field path's steps
  std::size_t part = 0;            // kPart: the part's index (set by the loader, resolve())
  std::string text;                // as written, with its braces, for messages
};

// What a request offers to fill a template with.
struct PartInputs {
  const RouteCaptures* captures = nullptr;
  std::string_view query;      // the client's query, without '?'
  std::string_view consumer;   // empty: anonymous
  // The parts' answers by part index (null where a part has none).
  std::span<const nlohmann::json* const> documents;
};

class PartTemplate {
 public:
  // Parses `text`: it starts with '/', braces pair up, a placeholder is a name, "consumer",
  // "query.NAME" or "PART.field.path" (names of letters, digits, '_' and '-'), and the literal
  // text has no space, control character, '#' or quote. On error, nullopt with `error` saying
  // what and at which character.
  static std::optional<PartTemplate> parse(std::string_view text, std::string& error);

  const std::string& text() const { return text_; }
  std::vector<PartPlaceholder>& placeholders() { return placeholders_; }
  const std::vector<PartPlaceholder>& placeholders() const { return placeholders_; }

  // Fills the template into `out` (the path and query to send). False when a value is not
  // available, with `why` saying which.
  bool expand(const PartInputs& inputs, std::string& out, std::string& why) const;

 private:
  struct Piece {
    std::string literal;      // text before the placeholder
    std::size_t placeholder;  // index, or npos for a final literal
  };
  std::string text_;
  std::vector<Piece> pieces_;
  std::vector<PartPlaceholder> placeholders_;
};

// The first value of query parameter `name` (compared decoded), decoded; nullopt when absent.
std::optional<std::string> queryValue(std::string_view query, std::string_view name);
// The value at `field` (dotted steps) of `document` as text: a string as it is, a number or
// boolean as JSON writes it. nullopt when missing or of another type, with `why`.
std::optional<std::string> fieldText(const nlohmann::json& document, std::span<const std::string> field,
                                     std::string& why);

}  // namespace gateway
