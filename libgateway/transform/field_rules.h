// Field rules on a JSON document: an allow list (keep only these fields), a deny list (remove
// these) and renames, each naming fields by path: `id`, `user.address.city`,
// `orders[].items[].sku` (`[]` = every element of an array; `[].id` when the document itself
// is an array). Used by the response transformation's profiles and by aggregation parts.
// Compiled once at load; apply() is const, so one FieldRules may serve every thread.
//
// apply() runs allow, then deny, then rename, and every path names the upstream's fields (the
// names before renaming):
//  - allow keeps the listed fields and, for a nested path, the parents it needs (`orders[].id`
//    keeps `orders` as an array of objects that only have `id`). A value of another shape than
//    a path expects (a string where `orders[]` wants an array) is removed: from its object, or
//    from its array. A whole document of another shape becomes `{}`, `[]` or null.
//  - deny removes the listed fields wherever the path finds them.
//  - rename gives a field a new name in its object (`"orders[].created_at": "created"`). The
//    renames of one object happen together (two fields may swap names). If the new name is
//    taken by a field that is not renamed away, the rename is skipped (nothing is lost) and
//    counted as a conflict.
// Conflicts knowable at load are load errors: a path both allowed and denied (or denied above
// an allowed field), a rename of a denied field or of a field the allow list drops, two renames
// to one name in one object, a rename onto an allowed field.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"

namespace gateway {

inline constexpr std::size_t kMaxFieldPathBytes = 1024;
inline constexpr std::size_t kMaxFieldPathSteps = 32;
inline constexpr std::size_t kMaxFieldRules = 1024;  // entries of one list

// A parsed path: a key step names an object member, an `each` step every array element.
struct FieldPath {
  struct Step {
    bool each = false;
    std::string key;  // empty for an `each` step
    bool operator==(const Step&) const = default;
  };
  std::vector<Step> steps;  // never empty; the last step is a key
  std::string text;         // as written, for messages
};

// Parses `text`; on a syntax error returns nullopt with `error` saying where and what
// ("at character 8: '[' must be followed by ']'").
std::optional<FieldPath> parseFieldPath(std::string_view text, std::string& error);

class FieldRules {
 public:
  // What apply() changed: fields removed (by allow or deny, array elements included), fields
  // renamed, renames skipped because the new name was taken.
  struct Stats {
    std::size_t removed = 0;
    std::size_t renamed = 0;
    std::size_t renameConflicts = 0;
  };

  bool empty() const { return !hasAllow_ && !hasDeny_ && !hasRename_; }
  bool hasAllow() const { return hasAllow_; }

  Stats apply(nlohmann::json& document) const;

  // The top-level names a document can have after apply(), known only with an allow list
  // (nullopt without one): the allowed names, renamed where a rename says so.
  std::optional<std::vector<std::string>> topLevelKeys() const;

  // The compiled tree: one node per distinct path prefix.
  struct Node {
    std::string key;       // the member this node matches (a child of `keys`)
    bool whole = false;    // allow: keep the whole value; deny: remove it
    std::string renameTo;  // rename: the new name, empty for none
    std::vector<Node> keys;  // sorted by key
    std::vector<Node> each;  // at most one: the rule for every array element
  };

 private:
  friend class FieldRulesCompiler;
  Node allow_, deny_, rename_;
  bool hasAllow_ = false, hasDeny_ = false, hasRename_ = false;
};

// Reads the "allow" and "deny" arrays and the "rename" object of `reader`'s object, reporting
// every error with its JSON path. It does not call reader.finish(): the caller reads its own
// keys of the same object and finishes. The result is usable (possibly partial) even when
// errors were reported.
FieldRules loadFieldRules(JsonReader& reader);
// The same for an object that holds only those three members (finish() is called).
FieldRules loadFieldRules(const nlohmann::json& object, const std::string& path, FieldErrors& errors);

}  // namespace gateway
