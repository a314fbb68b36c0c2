// The admin token's rules without a process: which Authorization values match (scheme in any
// case, spaces after it, exactly the token), and what a token file may hold.
#include <gtest/gtest.h>

#include <string>

#include "libgateway/net/admin_token.h"
#include "tests/integration/temp_dir.h"

namespace gateway::net {
namespace {

using gateway::testing::TempDir;

TEST(AdminToken, OnlyTheExactTokenAfterBearerMatches) {
  const std::string token = "abc.DEF-123_~+/=";
  EXPECT_TRUE(bearerTokenMatches("Bearer " + token, token));
  EXPECT_TRUE(bearerTokenMatches("bearer " + token, token));
  EXPECT_TRUE(bearerTokenMatches("BEARER   " + token + " ", token));
  for (const std::string& value : {std::string(), std::string("Bearer"), std::string("Bearer "), "Bearer" + token,
                                   "Basic " + token, token, "Bearer " + token + "x", "Bearer x" + token,
                                   "Bearer " + token.substr(0, token.size() - 1), "Bearer " + token + " extra",
                                   "Bearer\t" + token}) {
    EXPECT_FALSE(bearerTokenMatches(value, token)) << "\"" << value << "\"";
  }
}

TEST(AdminToken, TheFileHoldsOneLineOfVisibleAscii) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(readAdminToken(dir.write("ok", "t0ken\r\n"), why), "t0ken") << why;
  EXPECT_EQ(readAdminToken(dir.write("tail", "t0ken \t\n\n"), why), "t0ken") << why;
  for (const char* text : {"", "\n", "two words", "line1\nline2", "tab\there", "caf\xc3\xa9"}) {
    why.clear();
    const std::string path = dir.write("bad", text);
    EXPECT_FALSE(readAdminToken(path, why)) << "\"" << text << "\"";
    EXPECT_NE(why.find(path), std::string::npos) << why;
  }
  why.clear();
  EXPECT_FALSE(readAdminToken(dir.write("big", std::string(5000, 'a')), why));
  EXPECT_NE(why.find("larger than"), std::string::npos) << why;
  EXPECT_FALSE(readAdminToken(dir.file("missing"), why));
  EXPECT_NE(why.find("cannot read"), std::string::npos) << why;
}

}  // namespace
}  // namespace gateway::net
