#include "sim/commands/variation.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace gwsim {

namespace {

std::vector<std::string> splitKeys(const std::string& rest) {
  std::vector<std::string> keys;
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto dot = rest.find('.', pos);
    if (dot == std::string::npos) dot = rest.size();
    keys.push_back(rest.substr(pos, dot - pos));
    pos = dot + 1;
  }
  return keys;
}

bool isIndex(const std::string& key) {
  return !key.empty() && key.size() < 10 && std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); });
}

// null removes the field: the row shows it unset, as the scenario as written does.
std::string valueText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string("unset") : v.dump();
}

// The end of the value starting at `pos`: the next comma outside brackets, braces and quotes.
std::size_t valueEnd(const std::string& values, std::size_t pos) {
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = pos; i < values.size(); ++i) {
    const char c = values[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return values.size();
}

std::string leafOf(const std::string& path) { return path.substr(path.rfind('.') + 1); }

}  // namespace

std::optional<Variation> parseVariation(const std::string& text, std::string& error) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    error = fmt::format("\"{}\": expected PATH=V1,V2,...", text);
    return std::nullopt;
  }
  Variation v;
  v.path = text.substr(0, eq);
  const std::string values = text.substr(eq + 1);
  std::size_t pos = 0;
  while (pos <= values.size()) {
    const std::size_t comma = valueEnd(values, pos);
    const std::string item = values.substr(pos, comma - pos);
    if (item.empty()) {
      error = fmt::format("\"{}\": empty value in the list", text);
      return std::nullopt;
    }
    auto parsed = nlohmann::json::parse(item, nullptr, false);
    v.values.push_back(parsed.is_discarded() ? nlohmann::json(item) : parsed);
    pos = comma + 1;
  }
  return v;
}

bool applyVariation(nlohmann::json& doc, const std::string& path, const nlohmann::json& value, std::string& error) {
  nlohmann::json* node = &doc;
  std::string rest = path;
  if (rest.rfind("scenario.", 0) == 0) {
    rest = rest.substr(9);
  } else {
    if (!doc.contains("gateway") || !doc["gateway"].is_object()) {
      error = "the scenario has no gateway config to vary";
      return false;
    }
    node = &doc["gateway"];
  }
  const std::vector<std::string> keys = splitKeys(rest);
  std::string walked;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    const bool last = i + 1 == keys.size();
    walked += (walked.empty() ? "" : ".") + key;
    if (key.empty()) {
      error = fmt::format("\"{}\": empty path element", path);
      return false;
    }
    if (node->is_array()) {
      if (!isIndex(key) || std::stoul(key) >= node->size()) {
        error = fmt::format("\"{}\": {} is not an index of the array at {}", path, key, walked);
        return false;
      }
      node = &(*node)[std::stoul(key)];
    } else if (node->is_object()) {
      if (last && value.is_null()) {
        node->erase(key);  // null: the field is not set
        return true;
      }
      if (!node->contains(key) && !last) {
        error = fmt::format("\"{}\": nothing at {}", path, walked);
        return false;
      }
      node = &(*node)[key];
    } else {
      error = fmt::format("\"{}\": {} is not an object or array", path, walked);
      return false;
    }
  }
  *node = value;
  return true;
}

std::optional<nlohmann::json> valueAt(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* node = &doc;
  std::string rest = path;
  if (rest.rfind("scenario.", 0) == 0) {
    rest = rest.substr(9);
  } else {
    if (!doc.is_object() || !doc.contains("gateway")) return std::nullopt;
    node = &doc["gateway"];
  }
  for (const auto& key : splitKeys(rest)) {
    if (node->is_array() && isIndex(key) && std::stoul(key) < node->size()) {
      node = &(*node)[std::stoul(key)];
    } else if (node->is_object() && node->contains(key)) {
      node = &(*node)[key];
    } else {
      return std::nullopt;
    }
  }
  return *node;
}

std::optional<VariantPlan> planVariants(const nlohmann::json& base, const std::vector<std::string>& vary,
                                        std::string& error) {
  std::vector<Variation> variations;
  for (std::size_t i = 0; i < vary.size(); ++i) {
    auto parsed = parseVariation(vary[i], error);
    if (!parsed) return std::nullopt;
    for (std::size_t j = 0; j < variations.size(); ++j) {
      if (variations[j].path != parsed->path) continue;
      // One path, one list: two --vary on it would set it twice in every row (the last wins).
      error = fmt::format("--vary {} given twice; give its values once: --vary {}={},{}", parsed->path, parsed->path,
                          vary[j].substr(vary[j].find('=') + 1), vary[i].substr(vary[i].find('=') + 1));
      return std::nullopt;
    }
    for (std::size_t a = 0; a < parsed->values.size(); ++a) {
      for (std::size_t b = a + 1; b < parsed->values.size(); ++b) {
        if (parsed->values[a] == parsed->values[b]) {
          error = fmt::format("--vary {}: the value {} is given twice", vary[i], valueText(parsed->values[a]));
          return std::nullopt;
        }
      }
    }
    variations.push_back(std::move(*parsed));
  }
  // A row is labelled by its values: alone when one path varies, else "leaf=value" (the
  // whole path when two varied paths end in the same key).
  auto nameOf = [&](std::size_t k) {
    const std::string leaf = leafOf(variations[k].path);
    const bool shared = std::count_if(variations.begin(), variations.end(),
                                      [&](const Variation& v) { return leafOf(v.path) == leaf; }) > 1;
    return shared ? variations[k].path : leaf;
  };
  auto labelOf = [&](const std::vector<std::string>& values) {
    if (variations.size() == 1) return values[0];
    std::string label;
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (k > 0) label += ' ';
      label.append(nameOf(k)).append("=").append(values[k]);
    }
    return label;
  };

  VariantPlan plan;
  plan.header = variations.size() == 1 ? variations[0].path : "variant";
  struct Partial {
    nlohmann::json document;
    std::vector<std::string> values;
  };
  std::vector<Partial> partial(1, Partial{base, {}});
  for (const auto& var : variations) {
    std::vector<Partial> next;
    for (const auto& p : partial) {
      for (const auto& value : var.values) {
        Partial n = p;
        if (!applyVariation(n.document, var.path, value, error)) {
          error = "--vary " + error;
          return std::nullopt;
        }
        n.values.push_back(valueText(value));
        next.push_back(std::move(n));
      }
    }
    partial = std::move(next);
  }
  bool baselineFound = false;
  for (auto& p : partial) {
    Variant v{variations.empty() ? "as written" : labelOf(p.values), std::move(p.document), false};
    if (!baselineFound && v.document == base) {
      v.asWritten = baselineFound = true;
      if (!variations.empty()) v.label += " (as written)";
    }
    plan.variants.push_back(std::move(v));
  }
  if (!baselineFound) {
    std::vector<std::string> written;
    for (const auto& var : variations) {
      const auto value = valueAt(base, var.path);
      written.push_back(value ? valueText(*value) : "unset");
    }
    plan.variants.insert(plan.variants.begin(), Variant{labelOf(written) + " (as written)", base, true});
  }
  return plan;
}

}  // namespace gwsim
