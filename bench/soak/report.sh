# The end of bench/soak.sh: figures from samples.csv, metrics-end.txt and the wrk outputs,
# the checks, the summary table and summary.json; exits 0 or 1. Sourced by it.
# shellcheck shell=bash

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# ---- RSS and fds after warm-up -------------------------------------------------------------
mapfile -t STEADY < <(awk -F, '$2 == "steady" {print $3, $4, $1}' "$CSV")
read -r RSS_IDLE FD_IDLE < <(awk -F, '$2 == "idle" {print $3, $4}' "$CSV")
read -r RSS_AFTER FD_AFTER < <(awk -F, '$2 == "end" {print $3, $4}' "$CSV")
N_POST=${#STEADY[@]}
# A window is a minute of samples, or a third of the samples after warm-up when fewer.
WINDOW=$(((60 + SAMPLE_S - 1) / SAMPLE_S))
((WINDOW > N_POST / 3)) && WINDOW=$((N_POST / 3))
((WINDOW < 1)) && WINDOW=1
col() { printf '%s\n' "${STEADY[@]:$2:$3}" | awk -v c="$1" '{print $c}'; }
RSS_GROWTH="" RSS_FIRST="" RSS_LAST="" FD_MIN="" FD_MAX="" RSS_WARM="" RSS_END="" FD_WARM="" FD_END=""
if ((N_POST >= 2)); then
  RSS_FIRST=$(col 1 0 "$WINDOW" | median)
  RSS_LAST=$(col 1 $((N_POST - WINDOW)) "$WINDOW" | median)
  RSS_GROWTH=$(awk -v a="$RSS_FIRST" -v b="$RSS_LAST" 'BEGIN {printf "%.2f", (b / a - 1) * 100}')
  RSS_WARM=$(col 1 0 1) RSS_END=$(col 1 $((N_POST - 1)) 1)
  FD_WARM=$(col 2 0 1) FD_END=$(col 2 $((N_POST - 1)) 1)
  FD_MIN=$(col 2 0 "$N_POST" | sort -n | head -n 1)
  FD_MAX=$(col 2 0 "$N_POST" | sort -n | tail -n 1)
fi
# fds that come and go with the load: the load's client connections, as many upstream
# connections in use, as many again idle in the pools (kept 30 s), a few admin scrapes and
# closing sockets. A leak of one fd per request, per reconnect or per fault passes it within
# seconds.
LOAD_CONNS=$((CLEAN_CONNS + FAULTED_CONNS + BURST_CONNS))
FD_BOUND=$((3 * LOAD_CONNS + 16))

# ---- requests and 5xx by route (gatewayd's counters) -----------------------------------------
is_faulted() { local r; for r in "${SOAK_FAULTED_ROUTES[@]}"; do [[ "$1" == "$r" ]] && return 0; done; return 1; }
touch "$OUT/metrics-end.txt"
# route code count, one line per counter
awk '/^gateway_requests_total\{/ {
       route = ""; code = ""
       if (match($0, /route="[^"]*"/)) route = substr($0, RSTART + 7, RLENGTH - 8)
       if (match($0, /code="[^"]*"/)) code = substr($0, RSTART + 6, RLENGTH - 7)
       print (route == "" ? "(none)" : route), code, $NF }' "$OUT/metrics-end.txt" > "$OUT/requests-by-code.txt"
REQUESTS=$(awk '{n += $3} END {printf "%d", n}' "$OUT/requests-by-code.txt")
RUN_MS=$((LAST_SAMPLE_MS > 0 ? LAST_SAMPLE_MS : 1))
RPS=$((REQUESTS * 1000 / RUN_MS))
CLEAN_5XX=0 FAULTED_5XX=0
ROUTES_JSON="[]"
TABLE=$(printf '%-18s %-8s %10s %9s %9s %7s %7s %8s\n' route faults requests 2xx 4xx 429 401 5xx)
while read -r route; do
  read -r total c2 c4 c429 c401 c5 codes < <(awk -v r="$route" '$1 == r {
      t += $3; if ($2 ~ /^2/) a += $3; if ($2 ~ /^4/) b += $3; if ($2 == 429) l += $3; if ($2 == 401) u += $3
      if ($2 ~ /^5/) e += $3; s = s (s == "" ? "" : ",") "\"" $2 "\":" $3 }
      END {printf "%d %d %d %d %d %d {%s}\n", t, a, b, l, u, e, s}' "$OUT/requests-by-code.txt")
  faulted=false; is_faulted "$route" && faulted=true
  if [[ $faulted == true ]]; then FAULTED_5XX=$((FAULTED_5XX + c5)); else CLEAN_5XX=$((CLEAN_5XX + c5)); fi
  TABLE+=$'\n'$(printf '%-18s %-8s %10d %9d %9d %7d %7d %8d' "$route" "$([[ $faulted == true ]] && echo injected || echo none)" \
    "$total" "$c2" "$c4" "$c429" "$c401" "$c5")
  ROUTES_JSON=$(jq -c --arg r "$route" --argjson f "$faulted" --argjson codes "$codes" \
    --argjson t "$total" --argjson e "$c5" '. + [{route: $r, faults_injected: $f, requests: $t, "5xx": $e, codes: $codes}]' <<< "$ROUTES_JSON")
done < <(awk '{print $1}' "$OUT/requests-by-code.txt" | sort -u)

# ---- the load's own view (wrk) ---------------------------------------------------------------
wrk_json() { local line; line=$(grep -h '^SOAK_WRK ' "$1" 2>/dev/null | tail -n 1); echo "${line#SOAK_WRK }"; }
WRK_CLEAN_JSON=$(wrk_json "$OUT/wrk-clean.txt"); [[ -n "$WRK_CLEAN_JSON" ]] || WRK_CLEAN_JSON=null
WRK_FAULTED_JSON=$(wrk_json "$OUT/wrk-faulted.txt"); [[ -n "$WRK_FAULTED_JSON" ]] || WRK_FAULTED_JSON=null
CLEAN_ERRORS=$(jq -r 'if . == null then "no wrk summary" else .connect + .read + .write + .timeout end' <<< "$WRK_CLEAN_JSON")
BURSTS_JSON=$(awk '/requests in/ {r += $1; n++} /Non-2xx/ {x += $NF} /Socket errors/ {e++}
  END {printf "{\"runs\": %d, \"requests\": %d, \"non_2xx\": %d, \"runs_with_socket_errors\": %d}", n, r, x, e}' \
  "$OUT/wrk-bursts.txt" 2>/dev/null || echo null)

# ---- checks ----------------------------------------------------------------------------------
CHECKS=() FAILED=()
check() {  # name pass(0/1) detail
  CHECKS+=("$1|$2|$3")
  ((${2})) || FAILED+=("$1")
}
crash_ok=1
((${#DEATHS[@]})) && crash_ok=0
for s in "${STOPPED[@]}"; do [[ "${s#*=}" == 0 ]] || crash_ok=0; done
check crashes "$crash_ok" "$( ((${#DEATHS[@]})) && printf '%s; ' "${DEATHS[@]}")exit codes after SIGTERM: ${STOPPED[*]}"
if [[ -n "$RSS_GROWTH" ]]; then
  check rss "$(awk -v g="$RSS_GROWTH" 'BEGIN {print (g < 5) ? 1 : 0}')" \
    "median of the first and last $WINDOW post-warm-up samples: $RSS_FIRST -> $RSS_LAST KiB, growth $RSS_GROWTH% (limit < 5%)"
  fd_ok=$((FD_MAX - FD_MIN <= FD_BOUND))
  [[ -n "$FD_SETTLED" ]] && ((FD_SETTLED <= FD_BASE)) || fd_ok=0
  check fds "$fd_ok" "after warm-up min $FD_MIN, max $FD_MAX: range $((FD_MAX - FD_MIN)) (bound $FD_BOUND = 3 x $LOAD_CONNS load connections + 16); $(fmt_s "$SETTLE_MS") s after the load ${FD_SETTLED:-?} (must be back to $FD_BASE, the count before the first connection)"
else
  check rss 0 "fewer than 2 samples after warm-up"
  check fds 0 "fewer than 2 samples after warm-up"
fi
SCRAPE_NOTE=""
((${#DEATHS[@]})) && SCRAPE_NOTE=" (gatewayd's counters at its last scrape)"
if [[ -s "$OUT/metrics-end.txt" ]]; then
  check clean-5xx "$((CLEAN_5XX == 0))" "5xx on routes without injected faults: $CLEAN_5XX (on the faulted routes: $FAULTED_5XX, reported only)$SCRAPE_NOTE"
else
  check clean-5xx 0 "gatewayd's /metrics was never read"
fi
check clean-errors "$([[ "$CLEAN_ERRORS" == 0 ]] && echo 1 || echo 0)" "socket errors and timeouts in the clean load (wrk): $CLEAN_ERRORS"
check timeline "$((EVENT_ERRORS == 0))" "${#EVENTS_DONE[@]} events applied, $EVENT_ERRORS failed; $RELOADS reloads, $FAULTED_RESTARTS restarts"

# ---- summary ---------------------------------------------------------------------------------
echo
echo "soak summary: ${MINUTES} min (warm-up ${WARMUP_S} s, samples every ${SAMPLE_S} s), out dir $OUT"
echo "requests: $REQUESTS answered by gatewayd, $RPS req/s"
echo "gatewayd RSS (KiB): ${RSS_IDLE:-?} before the load, ${RSS_WARM:-?} at warm-up end, ${RSS_END:-?} at the end, ${RSS_AFTER:-?} after the load; growth ${RSS_GROWTH:-?}%"
echo "gatewayd fds: ${FD_IDLE:-?} before the load, ${FD_MIN:-?}-${FD_MAX:-?} after warm-up (${FD_WARM:-?} at warm-up end, ${FD_END:-?} at the end), ${FD_AFTER:-?} right after the load, ${FD_SETTLED:-?} $(fmt_s "$SETTLE_MS") s later ($FD_BASE at start)"
((FAULTED_5XX > 0)) || echo "warning: no 5xx on the faulted routes: the faults did not take effect"
echo
echo "$TABLE"
echo
for c in "${CHECKS[@]}"; do
  IFS='|' read -r name pass detail <<< "$c"
  printf '%-13s %s  %s\n' "$name" "$( ((pass)) && echo PASS || echo FAIL)" "$detail"
done | tee -a "$LOG"

jq -n --argjson minutes "$MINUTES" --argjson warmup "$WARMUP_S" --argjson sample "$SAMPLE_S" \
  --argjson requests "$REQUESTS" --argjson rps "$RPS" --arg growth "$RSS_GROWTH" \
  --arg rss_first "$RSS_FIRST" --arg rss_last "$RSS_LAST" --arg rss_warm "$RSS_WARM" --arg rss_end "$RSS_END" \
  --argjson window "$WINDOW" --arg fd_min "$FD_MIN" --arg fd_max "$FD_MAX" --argjson fd_bound "$FD_BOUND" \
  --arg fd_warm "$FD_WARM" --arg fd_end "$FD_END" --arg fd_idle "${FD_IDLE:-}" --argjson fd_base "$FD_BASE" --arg fd_settled "$FD_SETTLED" --argjson settle_ms "$SETTLE_MS" --arg fd_after "${FD_AFTER:-}" \
  --arg rss_idle "${RSS_IDLE:-}" --arg rss_after "${RSS_AFTER:-}" --argjson routes "$ROUTES_JSON" \
  --argjson clean5 "$CLEAN_5XX" --argjson faulted5 "$FAULTED_5XX" \
  --argjson wclean "$WRK_CLEAN_JSON" --argjson wfaulted "$WRK_FAULTED_JSON" --argjson bursts "$BURSTS_JSON" \
  --arg deaths "$(printf '%s\n' "${DEATHS[@]}")" --arg stopped "$(printf '%s\n' "${STOPPED[@]}")" \
  --arg events "$(printf '%s\n' "${EVENTS_DONE[@]}")" --arg checks "$(printf '%s\n' "${CHECKS[@]}")" '
  def num: if . == "" then null else tonumber end;
  def lines: split("\n") | map(select(. != ""));
  {minutes: $minutes, warmup_s: $warmup, sample_s: $sample, requests: $requests, requests_per_s: $rps,
   rss_kib: {before_load: ($rss_idle | num), after_load: ($rss_after | num), warmup_end: ($rss_warm | num), end: ($rss_end | num), first_window_median: ($rss_first | num),
             last_window_median: ($rss_last | num), window_samples: $window, growth_percent: ($growth | num)},
   fds: {at_start: $fd_base, before_load: ($fd_idle | num), settled_after_load: ($fd_settled | num), settle_s: ($settle_ms / 1000), after_load: ($fd_after | num), min: ($fd_min | num), max: ($fd_max | num), bound: $fd_bound, warmup_end: ($fd_warm | num), end: ($fd_end | num)},
   crashes: {deaths: ($deaths | lines),
             exit_codes: ($stopped | lines | map(split("=") | {(.[0]): (.[1] | tonumber? // .)}) | add)},
   "5xx": {clean_routes: $clean5, faulted_routes: $faulted5}, routes: $routes,
   wrk: {clean: $wclean, faulted: $wfaulted, bursts: $bursts},
   events: ($events | lines | map(split("|") | {t_s: (.[0] | tonumber), what: .[1]})),
   checks: ($checks | lines | map(split("|") | {name: .[0], passed: (.[1] == "1"), detail: .[2]})),
   passed: ($checks | lines | all(split("|")[1] == "1"))}' > "$OUT/summary.json"

if ((${#FAILED[@]})); then
  echo "soak: FAILED: ${FAILED[*]} (details above; $OUT/summary.json)"
  exit 1
fi
echo "soak: every check passed ($OUT/summary.json)"
exit 0
