// The admin API's optional bearer token: read from a file (server.admin_token_file or
// --admin-token-file) once at start, and checked against each request's Authorization header
// in constant time. The token itself never goes into a message, a log line or /stats; errors
// name the file only. Pure functions (reading asks the file system); safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway::net {

// The token in `path`: the file's text without a trailing line break (and trailing spaces or
// tabs). Nullopt with `why` set when the file cannot be read, is empty, is larger than 4 KiB,
// or the token holds anything but visible ASCII (no spaces, tabs, control bytes or second
// line), which an Authorization header could not carry. `why` never quotes the file's text.
std::optional<std::string> readAdminToken(const std::string& path, std::string& why);

// True when `authorization` (the header's value) is "Bearer <token>" (the scheme in any case,
// one or more spaces after it) for exactly `token`. The comparison runs in constant time over
// SHA-256 digests, so it reveals neither a matching prefix nor the token's length.
bool bearerTokenMatches(std::string_view authorization, std::string_view token);

}  // namespace gateway::net
