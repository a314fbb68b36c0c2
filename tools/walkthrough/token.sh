#!/usr/bin/env bash
# Prints an HS256 JWT for the walk-through's gateway (gateway.json: issuer "walkthrough",
# audience "gateway", key id "walkthrough-hs256"), made with the openssl CLI only.
# Usage: token.sh SUBJECT [SCOPES] [SECONDS_VALID]
#   token.sh alice "orders:read orders:write"     valid for an hour
#   token.sh alice "orders:read" -60              expired a minute ago (past the 30 s leeway)
set -euo pipefail
if (($# < 1 || $# > 3)); then
  echo "usage: token.sh SUBJECT [SCOPES] [SECONDS_VALID]" >&2
  exit 2
fi
subject=$1 scopes=${2:-} valid=${3:-3600}
secret=${WALKTHROUGH_JWT_SECRET:-walkthrough-secret-0123456789abcdef}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header='{"alg":"HS256","typ":"JWT","kid":"walkthrough-hs256"}'
payload=$(printf '{"sub":"%s","iss":"walkthrough","aud":"gateway","iat":%d,"exp":%d,"scope":"%s"}' \
  "$subject" "$now" "$((now + valid))" "$scopes")
input="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
signature=$(printf '%s' "$input" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)
printf '%s.%s\n' "$input" "$signature"
