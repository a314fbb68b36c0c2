#include "libgateway/transform/compression.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

namespace gateway {

namespace {

constexpr int kGzipLevel = 6;       // zlib's default: most of level 9's ratio at a third of its cost
constexpr int kBrotliQuality = 5;   // about gzip 6's speed with a better ratio; 11 is for static files
constexpr std::size_t kDecodeChunk = 16 * 1024;

std::string_view trimCodingSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parseQValue(std::string_view s) {
  if (s.empty() || s.size() > 5 || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  if (s.size() > 1 && s[1] != '.') return std::nullopt;
  int value = (s[0] - '0') * 1000;
  int scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value += (s[i] - '0') * scale;
  }
  return value <= 1000 ? std::optional<int>(value) : std::nullopt;
}

void acceptElement(AcceptEncoding& accept, std::string_view element) {
  element = trimCodingSpace(element);
  if (element.empty()) return;  // "gzip, , br": empty list elements are allowed
  const auto semicolon = element.find(';');
  const std::string_view coding = trimCodingSpace(element.substr(0, semicolon));
  int q = 1000;
  for (auto rest = semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1); !rest.empty();) {
    const auto next = rest.find(';');
    const std::string_view param = trimCodingSpace(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trimCodingSpace(param.substr(0, eq)), "q")) continue;
    q = parseQValue(trimCodingSpace(param.substr(eq + 1))).value_or(0);  // malformed: refused
  }
  int* slot = nullptr;
  if (coding == "*") slot = &accept.any;
  else if (iequals(coding, "identity")) slot = &accept.identity;
  else if (const auto known = codingByName(coding); known == ContentCoding::kGzip) slot = &accept.gzip;
  else if (known == ContentCoding::kBrotli) slot = &accept.brotli;
  if (!slot) return;
  *slot = *slot < 0 ? q : std::min(*slot, q);  // named twice: the more cautious value
}

std::optional<std::string> gzipEncode(std::string_view body) {
  if (body.size() > UINT_MAX / 2) return std::nullopt;
  z_stream zs{};
  if (deflateInit2(&zs, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&zs, static_cast<uLong>(body.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> gzipDecode(std::string_view body, std::size_t maxBytes) {
  if (body.size() > UINT_MAX / 2) return std::nullopt;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return std::nullopt;
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  std::string out;
  for (;;) {
    const std::size_t used = out.size();
    out.resize(used + kDecodeChunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(kDecodeChunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(used + kDecodeChunk - zs.avail_out);
    if (out.size() > maxBytes) return std::nullopt;
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK) return std::nullopt;  // corrupt, or Z_BUF_ERROR: the input ended early
  }
}

std::optional<std::string> brotliEncode(std::string_view body) {
  std::size_t size = BrotliEncoderMaxCompressedSize(body.size());
  if (size == 0) return std::nullopt;
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(kBrotliQuality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, body.size(),
                             reinterpret_cast<const std::uint8_t*>(body.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data()))) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<std::string> brotliDecode(std::string_view body, std::size_t maxBytes) {
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!state) return std::nullopt;
  std::size_t availableIn = body.size();
  const auto* nextIn = reinterpret_cast<const std::uint8_t*>(body.data());
  std::string out;
  for (;;) {
    const std::size_t used = out.size();
    out.resize(used + kDecodeChunk);
    std::size_t availableOut = kDecodeChunk;
    auto* nextOut = reinterpret_cast<std::uint8_t*>(out.data() + used);
    const auto rc = BrotliDecoderDecompressStream(state.get(), &availableIn, &nextIn, &availableOut, &nextOut, nullptr);
    out.resize(used + kDecodeChunk - availableOut);
    if (out.size() > maxBytes) return std::nullopt;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) return out;
    if (rc != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) return std::nullopt;  // corrupt or cut short
  }
}

}  // namespace

std::string_view codingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return "gzip";
    case ContentCoding::kBrotli: return "br";
    case ContentCoding::kIdentity: break;
  }
  return "identity";
}

std::optional<ContentCoding> codingByName(std::string_view name) {
  if (iequals(name, "gzip") || iequals(name, "x-gzip")) return ContentCoding::kGzip;
  if (iequals(name, "br")) return ContentCoding::kBrotli;
  if (iequals(name, "identity")) return ContentCoding::kIdentity;
  return std::nullopt;
}

int AcceptEncoding::quality(ContentCoding coding) const {
  switch (coding) {
    case ContentCoding::kGzip: return gzip >= 0 ? gzip : std::max(any, 0);
    case ContentCoding::kBrotli: return brotli >= 0 ? brotli : std::max(any, 0);
    case ContentCoding::kIdentity: break;
  }
  if (identity >= 0) return identity;
  return any == 0 ? 0 : 1;  // acceptable, least preferred
}

AcceptEncoding parseAcceptEncoding(std::string_view value) {
  AcceptEncoding accept;
  accept.present = true;
  for (std::size_t start = 0; start <= value.size();) {
    const auto comma = value.find(',', start);
    const auto end = comma == std::string_view::npos ? value.size() : comma;
    acceptElement(accept, value.substr(start, end - start));
    start = end + 1;
  }
  return accept;
}

AcceptEncoding parseAcceptEncoding(const Headers& headers) {
  AcceptEncoding accept;
  for (const Headers::Field f : headers) {
    if (!iequals(f.name, "accept-encoding")) continue;
    const AcceptEncoding line = parseAcceptEncoding(f.value);
    auto merge = [](int& into, int from) {
      if (from >= 0) into = into < 0 ? from : std::min(into, from);
    };
    accept.present = true;
    merge(accept.gzip, line.gzip);
    merge(accept.brotli, line.brotli);
    merge(accept.identity, line.identity);
    merge(accept.any, line.any);
  }
  return accept;
}

ContentCoding negotiateCoding(const AcceptEncoding& accept, std::span<const ContentCoding> offered) {
  ContentCoding chosen = ContentCoding::kIdentity;
  if (!accept.present) return chosen;
  int chosenQ = accept.quality(ContentCoding::kIdentity);
  for (ContentCoding coding : offered) {
    if (coding == ContentCoding::kIdentity) continue;
    const int q = accept.quality(coding);
    // A coding beats identity on a tie (it saves bytes); between codings the earlier wins.
    if (q > 0 && (chosen == ContentCoding::kIdentity ? q >= chosenQ : q > chosenQ)) {
      chosen = coding;
      chosenQ = q;
    }
  }
  return chosen;
}

bool compressibleType(std::string_view contentType) {
  const std::string type = toLower(trimCodingSpace(contentType.substr(0, contentType.find(';'))));
  const auto slash = type.find('/');
  if (slash == std::string::npos) return false;
  const std::string_view subtype = std::string_view(type).substr(slash + 1);
  if (type.starts_with("text/")) return subtype != "event-stream";  // events must not wait for a whole body
  return subtype.ends_with("json") || subtype.ends_with("xml") || subtype.ends_with("javascript");
}

std::optional<std::string> encodeBody(ContentCoding coding, std::string_view body) {
  switch (coding) {
    case ContentCoding::kGzip: return gzipEncode(body);
    case ContentCoding::kBrotli: return brotliEncode(body);
    case ContentCoding::kIdentity: break;
  }
  return std::string(body);
}

std::optional<std::string> decodeBody(ContentCoding coding, std::string_view body, std::size_t maxBytes) {
  switch (coding) {
    case ContentCoding::kGzip: return gzipDecode(body, maxBytes);
    case ContentCoding::kBrotli: return brotliDecode(body, maxBytes);
    case ContentCoding::kIdentity: break;
  }
  if (body.size() > maxBytes) return std::nullopt;
  return std::string(body);
}

}  // namespace gateway
