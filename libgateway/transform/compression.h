// Response compression: the content codings the gateway can apply (gzip with zlib, br with
// the brotli library), the client's Accept-Encoding with its q-values (RFC 9110 12.5.3) and the
// choice between them, and which media types are worth compressing. Free functions without
// shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libgateway/http/headers.h"

namespace gateway {

enum class ContentCoding { kIdentity, kGzip, kBrotli };

// "identity", "gzip", "br": the Content-Encoding token.
std::string_view codingName(ContentCoding coding);
// A coding by its token, case-insensitively ("x-gzip" is gzip, RFC 9110 18.6); nullopt for one
// the gateway cannot apply.
std::optional<ContentCoding> codingByName(std::string_view name);

// A client's Accept-Encoding: each coding's q-value in thousandths (0-1000), or -1 when the
// field does not name it.
struct AcceptEncoding {
  bool present = false;  // the request has the field (possibly empty)
  int gzip = -1;
  int brotli = -1;
  int identity = -1;
  int any = -1;  // "*"

  // How much the client wants `coding` (thousandths); 0 = refused. A coding the field does not
  // name takes the value of "*", else 0; identity stays acceptable (1) unless refused by
  // "identity;q=0" or by "*;q=0" without an identity entry.
  int quality(ContentCoding coding) const;
};

// Parses every Accept-Encoding field of `headers`. A malformed element (bad q-value) counts as
// refusing its coding, so the gateway never sends a coding the client may not understand.
AcceptEncoding parseAcceptEncoding(const Headers& headers);
AcceptEncoding parseAcceptEncoding(std::string_view value);

// The coding to answer with: among `offered` (the server's order of preference), the one the
// client wants most, ties going to the earlier; identity when the client names none of them,
// sends no Accept-Encoding at all, or prefers identity over every offered coding.
ContentCoding negotiateCoding(const AcceptEncoding& accept, std::span<const ContentCoding> offered);

// True for media types compression shrinks: text/*, JSON, XML and JavaScript (the media type of
// a Content-Type value, parameters ignored).
bool compressibleType(std::string_view contentType);

// The body encoded with `coding` (gzip level 6, brotli quality 5: fast enough for dynamic
// answers); nullopt if the library fails (out of memory).
std::optional<std::string> encodeBody(ContentCoding coding, std::string_view body);
// The body decoded; nullopt if it is corrupt or would exceed `maxBytes`.
std::optional<std::string> decodeBody(ContentCoding coding, std::string_view body, std::size_t maxBytes);

}  // namespace gateway
