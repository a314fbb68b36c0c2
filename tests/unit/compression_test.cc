// Response compression: gzip and brotli bodies decode (with zlib's inflate directly for gzip)
// to what went in, corrupt or oversized input is refused, Accept-Encoding q-values decide the
// coding (RFC 9110 12.5.3: q=0 refuses, "*", identity), and which media types compress.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include <zlib.h>

#include "libgateway/transform/compression.h"

namespace gateway {
namespace {

std::string compressionSampleBody() {
  std::string body = "[";
  for (int i = 0; i < 200; ++i) body += R"({"id": )" + std::to_string(i) + R"(, "name": "product", "price_cents": 1999},)";
  body.back() = ']';
  return body;
}

// Inflates a gzip member with zlib directly, independent of decodeBody.
std::string inflateGzipDirectly(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(Compression, GzipRoundTripsThroughZlib) {
  const std::string body = compressionSampleBody();
  const auto gz = encodeBody(ContentCoding::kGzip, body);
  ASSERT_TRUE(gz);
  EXPECT_LT(gz->size(), body.size() / 5) << "repetitive JSON compresses well";
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f) << "a gzip member, not a raw zlib stream";
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_EQ(inflateGzipDirectly(*gz), body);
  EXPECT_EQ(decodeBody(ContentCoding::kGzip, *gz, body.size()), body);
  const auto empty = encodeBody(ContentCoding::kGzip, "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(inflateGzipDirectly(*empty), "");
}

TEST(Compression, BrotliRoundTrips) {
  const std::string body = compressionSampleBody();
  const auto br = encodeBody(ContentCoding::kBrotli, body);
  ASSERT_TRUE(br);
  EXPECT_LT(br->size(), body.size() / 5);
  EXPECT_EQ(decodeBody(ContentCoding::kBrotli, *br, body.size()), body);
}

TEST(Compression, DecodingRefusesCorruptTruncatedAndOversizedBodies) {
  const std::string body = compressionSampleBody();
  for (ContentCoding coding : {ContentCoding::kGzip, ContentCoding::kBrotli}) {
    const std::string encoded = *encodeBody(coding, body);
    EXPECT_FALSE(decodeBody(coding, encoded.substr(0, encoded.size() / 2), 1 << 20)) << codingName(coding);
    EXPECT_FALSE(decodeBody(coding, "definitely not compressed", 1 << 20)) << codingName(coding);
    EXPECT_FALSE(decodeBody(coding, encoded, body.size() - 1)) << codingName(coding) << ": one byte over the cap";
  }
  EXPECT_EQ(decodeBody(ContentCoding::kIdentity, "abc", 3), "abc");
  EXPECT_FALSE(decodeBody(ContentCoding::kIdentity, "abcd", 3));
}

TEST(Compression, CodingNames) {
  EXPECT_EQ(codingByName("GZIP"), ContentCoding::kGzip);
  EXPECT_EQ(codingByName("x-gzip"), ContentCoding::kGzip);
  EXPECT_EQ(codingByName("br"), ContentCoding::kBrotli);
  EXPECT_EQ(codingByName("identity"), ContentCoding::kIdentity);
  EXPECT_FALSE(codingByName("deflate"));
  EXPECT_FALSE(codingByName("zstd"));
  EXPECT_EQ(codingName(ContentCoding::kBrotli), "br");
}

constexpr std::array<ContentCoding, 2> kBrThenGzip = {ContentCoding::kBrotli, ContentCoding::kGzip};
constexpr std::array<ContentCoding, 1> kGzipOnly = {ContentCoding::kGzip};

ContentCoding negotiateFor(std::string_view acceptEncoding, std::span<const ContentCoding> offered = kBrThenGzip) {
  return negotiateCoding(parseAcceptEncoding(acceptEncoding), offered);
}

TEST(AcceptEncodingNegotiation, QValuesDecide) {
  EXPECT_EQ(negotiateFor("gzip"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("gzip, deflate, br"), ContentCoding::kBrotli) << "a tie goes to the server's order";
  EXPECT_EQ(negotiateFor("gzip, br;q=0.8"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("br;q=0.001, gzip;q=0.002"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("GZip ; Q=1.000"), ContentCoding::kGzip) << "names and q are case-insensitive, spaces allowed";
  EXPECT_EQ(negotiateFor("x-gzip"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("br", kGzipOnly), ContentCoding::kIdentity) << "br accepted but not offered";
  EXPECT_EQ(negotiateFor("deflate, zstd"), ContentCoding::kIdentity);
}

TEST(AcceptEncodingNegotiation, ZeroRefusesAndStarMatchesTheRest) {
  EXPECT_EQ(negotiateFor("gzip;q=0"), ContentCoding::kIdentity);
  EXPECT_EQ(negotiateFor("gzip;q=0.000, br;q=0"), ContentCoding::kIdentity);
  EXPECT_EQ(negotiateFor("*"), ContentCoding::kBrotli);
  EXPECT_EQ(negotiateFor("*, br;q=0"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("*;q=0"), ContentCoding::kIdentity);
  EXPECT_EQ(negotiateFor("*;q=0.5, gzip"), ContentCoding::kGzip);
  EXPECT_EQ(negotiateFor("gzip, gzip;q=0"), ContentCoding::kIdentity) << "named twice: the cautious value";
}

TEST(AcceptEncodingNegotiation, IdentityPreferenceAndAbsence) {
  EXPECT_EQ(negotiateFor("identity, gzip;q=0.5"), ContentCoding::kIdentity) << "the client prefers identity";
  EXPECT_EQ(negotiateFor("identity;q=0.5, gzip;q=0.5"), ContentCoding::kGzip) << "a tie with identity compresses";
  EXPECT_EQ(negotiateFor(""), ContentCoding::kIdentity) << "an empty field asks for no coding";
  EXPECT_EQ(negotiateCoding(AcceptEncoding{}, kBrThenGzip), ContentCoding::kIdentity) << "no field: no coding";

  EXPECT_EQ(parseAcceptEncoding("identity;q=0").quality(ContentCoding::kIdentity), 0);
  EXPECT_EQ(parseAcceptEncoding("*;q=0").quality(ContentCoding::kIdentity), 0);
  EXPECT_EQ(parseAcceptEncoding("*;q=0, identity").quality(ContentCoding::kIdentity), 1000);
  EXPECT_EQ(parseAcceptEncoding("gzip").quality(ContentCoding::kIdentity), 1) << "acceptable, least preferred";
}

TEST(AcceptEncodingNegotiation, MalformedQValuesRefuseTheirCoding) {
  for (const char* value : {"gzip;q=2", "gzip;q=1.5", "gzip;q=0.1234", "gzip;q=abc", "gzip;q=", "gzip;q=.5", "gzip;q=01"}) {
    EXPECT_EQ(parseAcceptEncoding(value).quality(ContentCoding::kGzip), 0) << value;
  }
  EXPECT_EQ(parseAcceptEncoding("gzip;q=0.5").quality(ContentCoding::kGzip), 500);
  EXPECT_EQ(parseAcceptEncoding("gzip;q=1.").quality(ContentCoding::kGzip), 1000);
  EXPECT_EQ(parseAcceptEncoding("gzip;level=9;q=0.25").quality(ContentCoding::kGzip), 250) << "other parameters ignored";
  EXPECT_EQ(negotiateFor(" , gzip ,, "), ContentCoding::kGzip) << "empty list elements";
}

TEST(AcceptEncodingNegotiation, EveryFieldLineCounts) {
  Headers headers{{"Accept-Encoding", "br;q=0"}, {"accept-encoding", "gzip, br"}};
  const AcceptEncoding accept = parseAcceptEncoding(headers);
  EXPECT_EQ(accept.quality(ContentCoding::kBrotli), 0);
  EXPECT_EQ(negotiateCoding(accept, kBrThenGzip), ContentCoding::kGzip);
  EXPECT_FALSE(parseAcceptEncoding(Headers{{"Accept", "*/*"}}).present);
}

TEST(Compression, CompressibleTypes) {
  for (const char* type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                           "application/problem+json", "text/html", "text/plain;charset=us-ascii", "application/xml",
                           "image/svg+xml", "application/javascript", "text/css", "application/x-ndjson"}) {
    EXPECT_TRUE(compressibleType(type)) << type;
  }
  for (const char* type : {"image/png", "application/octet-stream", "application/zip", "video/mp4", "text/event-stream",
                           "", "json", "application/gzip"}) {
    EXPECT_FALSE(compressibleType(type)) << type;
  }
}

}  // namespace
}  // namespace gateway
