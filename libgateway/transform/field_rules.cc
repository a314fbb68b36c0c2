#include "libgateway/transform/field_rules.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace gateway {

namespace {

using FieldNode = FieldRules::Node;

std::optional<FieldPath> fieldPathError(std::string& error, std::size_t index, std::string_view what) {
  error = fmt::format("at character {}: {}", index + 1, what);
  return std::nullopt;
}

const FieldNode* findFieldNode(const std::vector<FieldNode>& keys, std::string_view key) {
  auto it = std::lower_bound(keys.begin(), keys.end(), key, [](const FieldNode& n, std::string_view k) { return n.key < k; });
  return it != keys.end() && it->key == key ? &*it : nullptr;
}

// Allow: true when `value` is kept (trimmed to what `node` allows).
bool keepAllowed(nlohmann::json& value, const FieldNode& node, FieldRules::Stats& stats) {
  if (node.whole) return true;
  if (value.is_object() && !node.keys.empty()) {
    for (auto it = value.begin(); it != value.end();) {
      const FieldNode* child = findFieldNode(node.keys, it.key());
      if (child && keepAllowed(it.value(), *child, stats)) {
        ++it;
      } else {
        it = value.erase(it);
        ++stats.removed;
      }
    }
    return true;
  }
  if (value.is_array() && !node.each.empty()) {
    auto& elements = value.get_ref<nlohmann::json::array_t&>();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (!keepAllowed(elements[i], node.each.front(), stats)) continue;
      if (kept != i) elements[kept] = std::move(elements[i]);
      ++kept;
    }
    stats.removed += elements.size() - kept;
    elements.resize(kept);
    return true;
  }
  return false;
}

void removeDenied(nlohmann::json& value, const FieldNode& node, FieldRules::Stats& stats) {
  if (value.is_object()) {
    for (const FieldNode& child : node.keys) {
      auto it = value.find(child.key);
      if (it == value.end()) continue;
      if (child.whole) {
        value.erase(it);
        ++stats.removed;
      } else {
        removeDenied(*it, child, stats);
      }
    }
  } else if (value.is_array() && !node.each.empty()) {
    for (auto& element : value) removeDenied(element, node.each.front(), stats);
  }
}

void renameFields(nlohmann::json& value, const FieldNode& node, FieldRules::Stats& stats) {
  if (value.is_array()) {
    if (!node.each.empty()) {
      for (auto& element : value) renameFields(element, node.each.front(), stats);
    }
    return;
  }
  if (!value.is_object()) return;
  // Deeper renames first, while the members still have their old names.
  bool renamesHere = false;
  for (const FieldNode& child : node.keys) {
    auto it = value.find(child.key);
    if (it == value.end()) continue;
    if (!child.keys.empty() || !child.each.empty()) renameFields(*it, child, stats);
    renamesHere = renamesHere || !child.renameTo.empty();
  }
  if (!renamesHere) return;
  struct Moving {
    const FieldNode* node;
    nlohmann::json value;
    bool ok;
  };
  std::vector<Moving> moving;
  for (const FieldNode& child : node.keys) {
    if (child.renameTo.empty()) continue;
    auto it = value.find(child.key);
    if (it == value.end()) continue;
    moving.push_back({&child, std::move(*it), true});
    value.erase(it);
  }
  // A rename onto a name still taken is undone; putting a field back may take the name
  // another rename wanted, so repeat until nothing changes (at most once per rename).
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& m : moving) {
      if (!m.ok || !value.contains(m.node->renameTo)) continue;
      m.ok = false;
      value[m.node->key] = std::move(m.value);
      ++stats.renameConflicts;
      changed = true;
    }
  }
  for (auto& m : moving) {
    if (!m.ok) continue;
    value[m.node->renameTo] = std::move(m.value);
    ++stats.renamed;
  }
}

bool fieldPathIsPrefix(const FieldPath& prefix, const FieldPath& path) {
  return prefix.steps.size() <= path.steps.size() && std::equal(prefix.steps.begin(), prefix.steps.end(), path.steps.begin());
}

// The path's text without its last key: "orders[]." for "orders[].id", "" for "id".
std::string fieldPathParentText(const FieldPath& path) {
  return path.text.substr(0, path.text.size() - path.steps.back().key.size());
}

struct ListedFieldPath {
  FieldPath path;
  std::string where;   // JSON pointer of the entry
  std::string newName;  // renames only
};

std::vector<ListedFieldPath> readFieldPathList(JsonReader& reader, std::string_view key) {
  std::vector<ListedFieldPath> out;
  const auto* list = reader.array(key);
  if (!list) return out;
  FieldErrors& errors = reader.errors();
  if (list->size() > kMaxFieldRules) {
    errors.add(reader.pathOf(key), fmt::format("more than {} field paths", kMaxFieldRules));
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = childPath(reader.pathOf(key), i);
    const auto& item = (*list)[i];
    if (!item.is_string()) {
      errors.add(where, fmt::format("expected a field path (a string), got {}", jsonTypeName(item)));
      continue;
    }
    std::string why;
    auto path = parseFieldPath(item.get_ref<const std::string&>(), why);
    if (!path) {
      errors.add(where, fmt::format("invalid field path \"{}\" {}", item.get_ref<const std::string&>(), why));
      continue;
    }
    if (!seen.insert(path->text).second) {
      errors.add(where, fmt::format("\"{}\" is listed twice", path->text));
      continue;
    }
    out.push_back({std::move(*path), where, {}});
  }
  return out;
}

std::vector<ListedFieldPath> readFieldRenames(JsonReader& reader) {
  std::vector<ListedFieldPath> out;
  const auto* object = reader.object("rename");
  if (!object) return out;
  FieldErrors& errors = reader.errors();
  if (object->size() > kMaxFieldRules) {
    errors.add(reader.pathOf("rename"), fmt::format("more than {} renames", kMaxFieldRules));
    return out;
  }
  for (const auto& [text, name] : object->items()) {
    const std::string where = childPath(reader.pathOf("rename"), text);
    std::string why;
    auto path = parseFieldPath(text, why);
    if (!path) {
      errors.add(where, fmt::format("invalid field path \"{}\" {}", text, why));
      continue;
    }
    if (!name.is_string()) {
      errors.add(where, fmt::format("expected the new name (a string), got {}", jsonTypeName(name)));
      continue;
    }
    const auto& newName = name.get_ref<const std::string&>();
    if (newName.empty() || newName.find_first_of(".[]") != std::string::npos) {
      errors.add(where, fmt::format("the new name \"{}\" must be a field name (not empty, no '.', '[' or ']')", newName));
      continue;
    }
    if (newName == path->steps.back().key) {
      errors.add(where, fmt::format("renames the field to its own name \"{}\"", newName));
      continue;
    }
    out.push_back({std::move(*path), where, newName});
  }
  return out;
}

}  // namespace

std::optional<FieldPath> parseFieldPath(std::string_view text, std::string& error) {
  if (text.empty()) return fieldPathError(error, 0, "the path is empty");
  if (text.size() > kMaxFieldPathBytes) {
    return fieldPathError(error, kMaxFieldPathBytes, fmt::format("the path is longer than {} bytes", kMaxFieldPathBytes));
  }
  FieldPath path;
  path.text = std::string(text);
  std::size_t i = 0;
  for (bool first = true;; first = false) {
    const std::size_t start = i;
    while (i < text.size() && text[i] != '.' && text[i] != '[' && text[i] != ']') ++i;
    if (i > start) {
      path.steps.push_back({false, std::string(text.substr(start, i - start))});
    } else if (!(first && i < text.size() && text[i] == '[')) {
      if (i < text.size() && text[i] == ']') return fieldPathError(error, i, "']' without '['");
      return fieldPathError(error, i, i == text.size() ? "the path ends with '.'" : "empty field name");
    }
    while (i < text.size() && text[i] == '[') {
      if (i + 1 >= text.size() || text[i + 1] != ']') {
        return fieldPathError(error, i, "'[' must be followed by ']' ([] means every element; indexes are not supported)");
      }
      path.steps.push_back({true, {}});
      i += 2;
    }
    if (path.steps.size() > kMaxFieldPathSteps) {
      return fieldPathError(error, i - 1, fmt::format("the path has more than {} steps", kMaxFieldPathSteps));
    }
    if (i == text.size()) break;
    if (text[i] == ']') return fieldPathError(error, i, "']' without '['");
    if (text[i] != '.') return fieldPathError(error, i, "expected '.' or '[' after ']'");
    ++i;
  }
  if (path.steps.back().each) return fieldPathError(error, text.size() - 1, "the path must end with a field name, not []");
  return path;
}

// The trees of a FieldRules, for compileFieldRules below.
class FieldRulesCompiler {
 public:
  static FieldNode& allow(FieldRules& rules) { return rules.allow_; }
  static FieldNode& deny(FieldRules& rules) { return rules.deny_; }
  static FieldNode& rename(FieldRules& rules) { return rules.rename_; }
  static void setFlags(FieldRules& rules, bool allow, bool deny, bool rename) {
    rules.hasAllow_ = allow;
    rules.hasDeny_ = deny;
    rules.hasRename_ = rename;
  }
};

namespace {

FieldNode& insertFieldPath(FieldNode& root, const FieldPath& path) {
  FieldNode* node = &root;
  for (const auto& step : path.steps) {
    if (step.each) {
      if (node->each.empty()) node->each.emplace_back();
      node = &node->each.front();
      continue;
    }
    auto& keys = node->keys;
    auto it = std::lower_bound(keys.begin(), keys.end(), step.key, [](const FieldNode& n, const std::string& k) { return n.key < k; });
    if (it == keys.end() || it->key != step.key) it = keys.insert(it, FieldNode{step.key, false, {}, {}, {}});
    node = &*it;
  }
  return *node;
}

// Reads the three lists, drops the entries that conflict (each reported) and builds the trees.
FieldRules compileFieldRules(JsonReader& reader) {
  FieldErrors& errors = reader.errors();
  auto allow = readFieldPathList(reader, "allow");
  auto deny = readFieldPathList(reader, "deny");
  auto renames = readFieldRenames(reader);
  if (const auto* raw = reader.any("allow"); raw && raw->is_array() && raw->empty()) {
    errors.add(reader.pathOf("allow"), "an empty allow list would remove every field; leave \"allow\" out to keep them all");
  }
  std::erase_if(deny, [&](const ListedFieldPath& d) {
    for (const auto& a : allow) {
      if (!fieldPathIsPrefix(d.path, a.path)) continue;
      errors.add(d.where, d.path.steps.size() == a.path.steps.size()
                              ? fmt::format("\"{}\" is also in the allow list", d.path.text)
                              : fmt::format("denying \"{}\" removes the allowed field \"{}\"", d.path.text, a.path.text));
      return true;
    }
    return false;
  });
  std::map<std::string, std::map<std::string, std::string>> targets;  // parent -> new name -> old path
  std::map<std::string, std::set<std::string>> renamedAway;           // parent -> old names
  for (const auto& r : renames) renamedAway[fieldPathParentText(r.path)].insert(r.path.steps.back().key);
  std::erase_if(renames, [&](const ListedFieldPath& r) {
    for (const auto& d : deny) {
      if (!fieldPathIsPrefix(d.path, r.path)) continue;
      errors.add(r.where, fmt::format("renames a field the deny list removes (\"{}\")", d.path.text));
      return true;
    }
    if (!allow.empty() && std::none_of(allow.begin(), allow.end(), [&](const ListedFieldPath& a) {
          return fieldPathIsPrefix(a.path, r.path) || fieldPathIsPrefix(r.path, a.path);
        })) {
      errors.add(r.where, fmt::format("renames \"{}\", which the allow list does not keep", r.path.text));
      return true;
    }
    const std::string parent = fieldPathParentText(r.path);
    auto [it, fresh] = targets[parent].emplace(r.newName, r.path.text);
    if (!fresh) {
      errors.add(r.where, fmt::format("\"{}\" and \"{}\" are both renamed to \"{}\"", it->second, r.path.text, r.newName));
      return true;
    }
    if (renamedAway[parent].count(r.newName)) return false;  // that field moves away first
    FieldPath target = r.path;
    target.steps.back().key = r.newName;
    for (const auto& a : allow) {
      if (!fieldPathIsPrefix(target, a.path)) continue;
      errors.add(r.where, fmt::format("the new name \"{}\" is taken by the allowed field \"{}\"", r.newName, a.path.text));
      return true;
    }
    return false;
  });
  FieldRules rules;
  for (const auto& a : allow) insertFieldPath(FieldRulesCompiler::allow(rules), a.path).whole = true;
  for (const auto& d : deny) insertFieldPath(FieldRulesCompiler::deny(rules), d.path).whole = true;
  for (const auto& r : renames) insertFieldPath(FieldRulesCompiler::rename(rules), r.path).renameTo = r.newName;
  FieldRulesCompiler::setFlags(rules, !allow.empty(), !deny.empty(), !renames.empty());
  return rules;
}

}  // namespace

FieldRules::Stats FieldRules::apply(nlohmann::json& document) const {
  Stats stats;
  if (hasAllow_ && !keepAllowed(document, allow_, stats)) {
    // The whole document has another shape than the list expects.
    if (document.is_object()) document = nlohmann::json::object();
    else if (document.is_array()) document = nlohmann::json::array();
    else document = nullptr;
    ++stats.removed;
  }
  if (hasDeny_) removeDenied(document, deny_, stats);
  if (hasRename_) renameFields(document, rename_, stats);
  return stats;
}

std::optional<std::vector<std::string>> FieldRules::topLevelKeys() const {
  if (!hasAllow_) return std::nullopt;
  std::vector<std::string> out;
  for (const FieldNode& child : allow_.keys) {
    const FieldNode* renamed = findFieldNode(rename_.keys, child.key);
    out.push_back(renamed && !renamed->renameTo.empty() ? renamed->renameTo : child.key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

FieldRules loadFieldRules(JsonReader& reader) { return compileFieldRules(reader); }

FieldRules loadFieldRules(const nlohmann::json& object, const std::string& path, FieldErrors& errors) {
  JsonReader reader(object, path, errors);
  FieldRules rules = loadFieldRules(reader);
  reader.finish();
  return rules;
}

}  // namespace gateway
