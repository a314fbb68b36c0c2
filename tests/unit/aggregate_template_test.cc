// Aggregation part paths: the template parser's errors with their position, filling from
// captures, the query, the consumer and earlier parts' answers, percent-encoding (values stay
// one segment or one query value, never encoded twice), and the reasons a value is missing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/part_template.h"
#include "libgateway/http/percent_encoding.h"

namespace gateway {
namespace {

PartTemplate mustParsePart(std::string_view text) {
  std::string why;
  auto t = PartTemplate::parse(text, why);
  EXPECT_TRUE(t) << text << ": " << why;
  return t.value_or(PartTemplate{});
}

std::string partParseError(std::string_view text) {
  std::string why;
  EXPECT_FALSE(PartTemplate::parse(text, why)) << text;
  return why;
}

TEST(PartTemplate, ReadsEachKindOfPlaceholder) {
  PartTemplate t = mustParsePart("/a/{id}/{consumer}?q={query.term}&u={user.profile.id}");
  const auto& p = t.placeholders();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].kind, PartPlaceholder::Kind::kCapture);
  EXPECT_EQ(p[0].name, "id");
  EXPECT_EQ(p[1].kind, PartPlaceholder::Kind::kConsumer);
  EXPECT_EQ(p[2].kind, PartPlaceholder::Kind::kQuery);
  EXPECT_EQ(p[2].name, "term");
  EXPECT_EQ(p[3].kind, PartPlaceholder::Kind::kPart);
  EXPECT_EQ(p[3].name, "user");
  EXPECT_EQ(p[3].field, (std::vector<std::string>{"profile", "id"}));
  EXPECT_EQ(p[3].text, "{user.profile.id}");
  EXPECT_TRUE(mustParsePart("/plain/path?x=1").placeholders().empty());
}

TEST(PartTemplate, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(partParseError("users/{id}"), "must start with '/'");
  EXPECT_EQ(partParseError("/users/{id"), "at character 8: '{' is not closed");
  EXPECT_EQ(partParseError("/users/{a{b}}"), "at character 8: '{' is not closed");
  EXPECT_EQ(partParseError("/users/id}"), "at character 10: '}' without its '{'");
  EXPECT_EQ(partParseError("/users/{}"), "at character 8: empty placeholder \"{}\"");
  EXPECT_NE(partParseError("/users/{a b}").find("at character 8: \"{a b}\" is not a placeholder"), std::string::npos);
  EXPECT_NE(partParseError("/x?q={query.}").find("needs a query parameter name"), std::string::npos);
  EXPECT_EQ(partParseError("/x/{user..id}"), "at character 4: \"{user..id}\" has an empty field name");
  EXPECT_EQ(partParseError("/x y"), "at character 3: a space is not allowed in a path (encode it as %XX)");
  EXPECT_EQ(partParseError("/x#frag"), "at character 3: byte 0x23 is not allowed in a path (encode it as %XX)");
}

TEST(PartTemplate, FillsFromCapturesQueryConsumerAndParts) {
  PartTemplate t = mustParsePart("/users/{id}/recs?for={consumer}&lang={query.lang}&city={user.address.city}");
  RouteCaptures captures;
  captures.emplace_back("id", "42");
  const nlohmann::json user = {{"address", {{"city", "Berlin"}}}};
  const nlohmann::json* docs[] = {&user};
  PartInputs in{&captures, "x=1&lang=de", "device-7", docs};
  t.placeholders()[3].part = 0;
  std::string out, why;
  ASSERT_TRUE(t.expand(in, out, why)) << why;
  EXPECT_EQ(out, "/users/42/recs?for=device-7&lang=de&city=Berlin");
}

TEST(PartTemplate, ValuesArePercentEncodedOnceAndStayOneSegment) {
  PartTemplate t = mustParsePart("/p/{id}?q={query.q}&n={a.name}");
  RouteCaptures captures;
  captures.emplace_back("id", "caf%C3%A9");  // as the request path has it: decoded, then encoded again
  const nlohmann::json a = {{"name", "x/y?z&w=1 #"}};
  const nlohmann::json* docs[] = {&a};
  PartInputs in{&captures, "q=a+b%26c", "", docs};
  std::string out, why;
  ASSERT_TRUE(t.expand(in, out, why)) << why;
  EXPECT_EQ(out, "/p/caf%C3%A9?q=a%20b%26c&n=x%2Fy%3Fz%26w%3D1%20%23");
}

TEST(PartTemplate, NumbersBooleansAndArrayIndexesFillToo) {
  PartTemplate t = mustParsePart("/o/{o.orders.1.id}/{o.total}/{o.open}");
  const nlohmann::json o = nlohmann::json::parse(R"({"orders": [{"id": 10}, {"id": 11}], "total": 2.5, "open": true})");
  const nlohmann::json* docs[] = {&o};
  std::string out, why;
  ASSERT_TRUE(t.expand(PartInputs{nullptr, "", "", docs}, out, why)) << why;
  EXPECT_EQ(out, "/o/11/2.5/true");
}

TEST(PartTemplate, AMissingValueSaysWhich) {
  const nlohmann::json user = nlohmann::json::parse(R"({"id": null, "tags": ["a"], "nested": {"x": 1}})");
  const nlohmann::json* docs[] = {&user, nullptr};
  auto fail = [&](std::string_view text) {
    PartTemplate t = mustParsePart(text);
    for (auto& p : t.placeholders()) {
      if (p.kind == PartPlaceholder::Kind::kPart) p.part = p.name == "user" ? 0 : 1;
    }
    std::string out, why;
    EXPECT_FALSE(t.expand(PartInputs{nullptr, "a=1", "", docs}, out, why)) << text;
    return why;
  };
  EXPECT_EQ(fail("/x/{query.b}"), "{query.b}: the request has no query parameter \"b\"");
  EXPECT_EQ(fail("/x/{consumer}"), "{consumer}: the request is anonymous");
  EXPECT_EQ(fail("/x/{id}"), "{id}: the route captured no \"id\"");
  EXPECT_EQ(fail("/x/{other.id}"), "{other.id}: part \"other\" has no answer");
  EXPECT_EQ(fail("/x/{user.name}"), "{user.name}: the answer has no field \"name\"");
  EXPECT_EQ(fail("/x/{user.id}"), "{user.id}: the answer's \"id\" is null, not a string, number or boolean");
  EXPECT_EQ(fail("/x/{user.nested}"), "{user.nested}: the answer's \"nested\" is an object, not a string, number or boolean");
  EXPECT_EQ(fail("/x/{user.tags.3}"), "{user.tags.3}: the answer's \"tags\" has no element 3");
}

TEST(PartTemplate, QueryValuesAndDecoding) {
  EXPECT_EQ(queryValue("a=1&b=2&a=3", "a"), "1");
  EXPECT_EQ(queryValue("flag&b=2", "flag"), "");
  EXPECT_EQ(queryValue("n%61me=v%20w", "name"), "v w");
  EXPECT_EQ(queryValue("a=1", "b"), std::nullopt);
  EXPECT_EQ(percentDecode("100%", false), "100%");   // a malformed escape stays
  EXPECT_EQ(percentDecode("%zz%41+", false), "%zzA+");
  std::string out;
  appendPercentEncoded(out, "A-z_0.9~ /");
  EXPECT_EQ(out, "A-z_0.9~%20%2F");
}

}  // namespace
}  // namespace gateway
