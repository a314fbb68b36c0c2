// Field rules (allow / deny / rename by field path): the path parser's errors with their
// position, every rule on nested objects and arrays, the order allow > deny > rename, the
// runtime rule for a rename onto a taken name, and the loader's conflict errors at their
// JSON paths.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/transform/field_rules.h"

namespace gateway {
namespace {

FieldRules mustLoadFieldRules(const char* text) {
  FieldErrors errors;
  FieldRules rules = loadFieldRules(nlohmann::json::parse(text), "/rules", errors);
  EXPECT_TRUE(errors.empty()) << errors.text();
  return rules;
}

std::string fieldRulesErrors(const char* text) {
  FieldErrors errors;
  loadFieldRules(nlohmann::json::parse(text), "/rules", errors);
  return errors.text();
}

nlohmann::json fieldRulesUserDocument() {
  return nlohmann::json::parse(R"({
    "id": 7, "name": "Ada", "email": "ada@example.com", "created_at": "2024-01-01",
    "address": {"city": "London", "street": "Baker St", "geo": {"lat": 51.5, "lng": -0.1}},
    "orders": [
      {"id": 1, "total_cents": 500, "secret": "x", "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]},
      {"id": 2, "total_cents": 900, "secret": "y", "items": []},
      "not-an-order"
    ]})");
}

TEST(FieldPath, ParsesKeysAndEachSteps) {
  std::string why;
  auto p = parseFieldPath("orders[].items[].sku", why);
  ASSERT_TRUE(p) << why;
  ASSERT_EQ(p->steps.size(), 5u);
  EXPECT_EQ(p->steps[0].key, "orders");
  EXPECT_TRUE(p->steps[1].each);
  EXPECT_EQ(p->steps[2].key, "items");
  EXPECT_TRUE(p->steps[3].each);
  EXPECT_EQ(p->steps[4].key, "sku");

  auto root = parseFieldPath("[].id", why);
  ASSERT_TRUE(root) << why;
  EXPECT_TRUE(root->steps[0].each);
  auto nested = parseFieldPath("matrix[][].v", why);
  ASSERT_TRUE(nested) << why;
  EXPECT_EQ(nested->steps.size(), 4u);
  EXPECT_TRUE(parseFieldPath("with space.and-dash", why)) << why;
}

TEST(FieldPath, ErrorsSayWhereAndWhat) {
  auto error = [](std::string_view text) {
    std::string why;
    EXPECT_FALSE(parseFieldPath(text, why)) << text;
    return why;
  };
  EXPECT_EQ(error(""), "at character 1: the path is empty");
  EXPECT_EQ(error("a..b"), "at character 3: empty field name");
  EXPECT_EQ(error(".a"), "at character 1: empty field name");
  EXPECT_EQ(error("a."), "at character 3: the path ends with '.'");
  EXPECT_EQ(error("orders[.id"), "at character 7: '[' must be followed by ']' ([] means every element; indexes are not supported)");
  EXPECT_EQ(error("orders[0]"), "at character 7: '[' must be followed by ']' ([] means every element; indexes are not supported)");
  EXPECT_EQ(error("a]b"), "at character 2: ']' without '['");
  EXPECT_EQ(error("a[]b"), "at character 4: expected '.' or '[' after ']'");
  EXPECT_EQ(error("orders[]"), "at character 8: the path must end with a field name, not []");
  EXPECT_EQ(error("a.[]"), "at character 3: empty field name");
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += i ? ".k" : "k";
  EXPECT_NE(error(deep).find("more than 32 steps"), std::string::npos);
  EXPECT_NE(error(std::string(2000, 'a')).find("longer than 1024 bytes"), std::string::npos);
}

TEST(FieldRules, AllowKeepsListedFieldsAndTheirParents) {
  auto rules = mustLoadFieldRules(R"({"allow": ["id", "address.city", "orders[].id", "orders[].items[].sku"]})");
  auto doc = fieldRulesUserDocument();
  const auto stats = rules.apply(doc);
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"id": 7, "address": {"city": "London"},
      "orders": [{"id": 1, "items": [{"sku": "A1"}, {"sku": "B2"}]}, {"id": 2, "items": []}]})"));
  // name, email, created_at, street, geo, 2 totals, 2 secrets, 2 qty, "not-an-order"
  EXPECT_EQ(stats.removed, 12u);
}

TEST(FieldRules, AllowOfAWholeSubtreeKeepsItAll) {
  auto rules = mustLoadFieldRules(R"({"allow": ["address", "address.city"]})");
  auto doc = fieldRulesUserDocument();
  rules.apply(doc);
  EXPECT_EQ(doc, nlohmann::json({{"address", fieldRulesUserDocument()["address"]}}));
}

TEST(FieldRules, AllowRemovesValuesOfAnotherShape) {
  auto rules = mustLoadFieldRules(R"({"allow": ["address.city", "orders[].id"]})");
  auto doc = nlohmann::json::parse(R"({"address": "London", "orders": {"id": 1}})");
  rules.apply(doc);
  EXPECT_EQ(doc, nlohmann::json::object()) << "a string is not an object, an object not an array";

  auto rootRules = mustLoadFieldRules(R"({"allow": ["[].id"]})");
  auto list = nlohmann::json::parse(R"([{"id": 1, "x": 2}, {"id": 3}, 4])");
  rootRules.apply(list);
  EXPECT_EQ(list, nlohmann::json::parse(R"([{"id": 1}, {"id": 3}])"));
  auto object = nlohmann::json::parse(R"({"id": 1})");
  rootRules.apply(object);
  EXPECT_EQ(object, nlohmann::json::object()) << "an object where the list expects an array";
  auto scalar = nlohmann::json(5);
  mustLoadFieldRules(R"({"allow": ["id"]})").apply(scalar);
  EXPECT_TRUE(scalar.is_null());
}

TEST(FieldRules, DenyRemovesFieldsWhereverThePathFindsThem) {
  auto rules = mustLoadFieldRules(R"({"deny": ["email", "address.geo", "orders[].secret", "orders[].items[].qty", "missing.x"]})");
  auto doc = fieldRulesUserDocument();
  const auto stats = rules.apply(doc);
  auto expected = fieldRulesUserDocument();
  expected.erase("email");
  expected["address"].erase("geo");
  for (int i = 0; i < 2; ++i) expected["orders"][i].erase("secret");
  for (auto& item : expected["orders"][0]["items"]) item.erase("qty");
  EXPECT_EQ(doc, expected);
  EXPECT_EQ(stats.removed, 6u);
}

TEST(FieldRules, RenameAtTheTopAndInsideArrays) {
  auto rules = mustLoadFieldRules(R"({"rename": {"created_at": "created", "orders[].total_cents": "total",
                                                 "orders": "purchases", "address.geo.lat": "latitude"}})");
  auto doc = fieldRulesUserDocument();
  const auto stats = rules.apply(doc);
  EXPECT_FALSE(doc.contains("created_at"));
  EXPECT_EQ(doc["created"], "2024-01-01");
  ASSERT_TRUE(doc.contains("purchases"));
  EXPECT_FALSE(doc.contains("orders"));
  EXPECT_EQ(doc["purchases"][0]["total"], 500) << "inner renames use the old names of their parents";
  EXPECT_EQ(doc["purchases"][1]["total"], 900);
  EXPECT_FALSE(doc["purchases"][0].contains("total_cents"));
  EXPECT_EQ(doc["address"]["geo"]["latitude"], 51.5);
  EXPECT_EQ(stats.renamed, 5u);
}

TEST(FieldRules, RenamesOfOneObjectHappenTogether) {
  auto rules = mustLoadFieldRules(R"({"rename": {"a": "b", "b": "a"}})");
  auto doc = nlohmann::json::parse(R"({"a": 1, "b": 2})");
  rules.apply(doc);
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"a": 2, "b": 1})"));
}

TEST(FieldRules, RenameOntoATakenNameIsSkippedAndCounted) {
  auto rules = mustLoadFieldRules(R"({"rename": {"created_at": "created", "x": "created_at"}})");
  auto doc = nlohmann::json::parse(R"({"created_at": 1, "created": 2, "x": 3})");
  const auto stats = rules.apply(doc);
  // created_at cannot move (created is taken), so x cannot take its name either.
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"created_at": 1, "created": 2, "x": 3})"));
  EXPECT_EQ(stats.renameConflicts, 2u);
  EXPECT_EQ(stats.renamed, 0u);
}

TEST(FieldRules, AllowThenDenyThenRenameAllNameUpstreamFields) {
  auto rules = mustLoadFieldRules(R"({"allow": ["id", "created_at", "orders"], "deny": ["orders[].secret"],
                                     "rename": {"created_at": "created", "orders[].id": "order_id", "id": "created_at"}})");
  auto doc = fieldRulesUserDocument();
  rules.apply(doc);
  EXPECT_EQ(doc["created"], "2024-01-01");
  EXPECT_EQ(doc["created_at"], 7) << "id renamed into the name created_at left";
  EXPECT_FALSE(doc.contains("name"));
  EXPECT_EQ(doc["orders"][0]["order_id"], 1);
  EXPECT_FALSE(doc["orders"][0].contains("secret"));
  EXPECT_EQ(doc["orders"][0]["total_cents"], 500);
  EXPECT_EQ(*rules.topLevelKeys(), (std::vector<std::string>{"created", "created_at", "orders"}));
  EXPECT_FALSE(mustLoadFieldRules(R"({"deny": ["id"]})").topLevelKeys());
}

TEST(FieldRules, EmptyRulesChangeNothing) {
  auto rules = mustLoadFieldRules("{}");
  EXPECT_TRUE(rules.empty());
  auto doc = fieldRulesUserDocument();
  rules.apply(doc);
  EXPECT_EQ(doc, fieldRulesUserDocument());
}

TEST(FieldRulesLoader, ReportsEachProblemAtItsPath) {
  const std::string text = fieldRulesErrors(R"({"allow": ["id", 5, "a..b", "id"], "deny": "email",
                                                "rename": {"x[": "y", "z": 3, "w": "a.b", "v": ""}, "extra": 1})");
  EXPECT_NE(text.find("/rules/allow/1: expected a field path (a string), got integer"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/allow/2: invalid field path \"a..b\" at character 3: empty field name"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/allow/3: \"id\" is listed twice"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/deny: expected an array, got string"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/rename/x[: invalid field path \"x[\" at character 2"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/rename/z: expected the new name (a string), got integer"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/rename/w: the new name \"a.b\" must be a field name"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/rename/v: the new name \"\" must be a field name"), std::string::npos) << text;
  EXPECT_NE(text.find("/rules/extra: unknown field"), std::string::npos) << text;
  EXPECT_EQ(fieldRulesErrors(R"({"allow": []})"),
            "/rules/allow: an empty allow list would remove every field; leave \"allow\" out to keep them all\n");
}

TEST(FieldRulesLoader, ConflictsKnowableAtLoadAreErrors) {
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["id", "email"], "deny": ["email"]})"),
            "/rules/deny/0: \"email\" is also in the allow list\n");
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["orders[].id"], "deny": ["orders"]})"),
            "/rules/deny/0: denying \"orders\" removes the allowed field \"orders[].id\"\n");
  EXPECT_EQ(fieldRulesErrors(R"({"deny": ["address"], "rename": {"address.city": "town"}})"),
            "/rules/rename/address.city: renames a field the deny list removes (\"address\")\n");
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["id"], "rename": {"name": "n"}})"),
            "/rules/rename/name: renames \"name\", which the allow list does not keep\n");
  EXPECT_EQ(fieldRulesErrors(R"({"rename": {"a": "c", "b": "c"}})"),
            "/rules/rename/b: \"a\" and \"b\" are both renamed to \"c\"\n");
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["created", "created_at"], "rename": {"created_at": "created"}})"),
            "/rules/rename/created_at: the new name \"created\" is taken by the allowed field \"created\"\n");
  EXPECT_EQ(fieldRulesErrors(R"({"rename": {"id": "id"}})"), "/rules/rename/id: renames the field to its own name \"id\"\n");
  // Not conflicts: a deny inside an allowed subtree, renames in different objects to one name,
  // a rename onto a denied name, a rename onto an allowed name that moves away.
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["orders", "id"], "deny": ["orders[].secret"],
                                 "rename": {"id": "x", "orders[].id": "x"}})"), "");
  EXPECT_EQ(fieldRulesErrors(R"({"deny": ["created"], "rename": {"created_at": "created"}})"), "");
  EXPECT_EQ(fieldRulesErrors(R"({"allow": ["a", "b"], "rename": {"a": "b", "b": "a"}})"), "");
}

TEST(FieldRulesLoader, TheCallerKeepsTheReaderForItsOwnKeys) {
  FieldErrors errors;
  const auto profile = nlohmann::json::parse(R"({"allow": ["id"], "compress": {"min_bytes": 10}, "bogus": 1})");
  JsonReader reader(profile, "/profile", errors);
  FieldRules rules = loadFieldRules(reader);
  EXPECT_TRUE(reader.object("compress"));
  reader.finish();
  EXPECT_EQ(errors.text(), "/profile/bogus: unknown field\n");
  EXPECT_TRUE(rules.hasAllow());
}

}  // namespace
}  // namespace gateway
