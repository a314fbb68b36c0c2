# The fault timeline of bench/soak.sh; sourced by it once the load runs.
# Every event sits at a fixed share (per mille) of the time after warm-up, so a short run
# goes through the same sequence. Faults are posted to the faulted mock-services process
# only (inventory, recommendations); nothing here touches a clean service unless
# SOAK_SELF_CHECK asks for it.
# shellcheck shell=bash disable=SC2034  # (variables shared with bench/soak.sh)

POST_MS=$(((TOTAL_S - WARMUP_S) * 1000))
EV_MS=() EV_KIND=() EV_ARG=() EV_DESC=()
EVENTS_DONE=() EVENT_ERRORS=0 RELOADS=0 FAULTED_DOWN=0 FAULTED_RESTARTS=0
event() {  # per-mille kind arg description
  EV_MS+=($((WARMUP_S * 1000 + POST_MS * $1 / 1000))); EV_KIND+=("$2"); EV_ARG+=("$3"); EV_DESC+=("$4")
}
span() {  # per-mille -> seconds, at least 2
  local s=$(((POST_MS * $1 / 1000 + 500) / 1000))
  echo $((s < 2 ? 2 : s))
}

d=$(span 100)
event 50 fault "{\"kind\": \"abort\", \"service\": \"inventory\", \"instance\": \"inventory-1\", \"status\": 500, \"for_s\": $d}" \
  "inventory-1 answers 500 for $d s (retries move to inventory-2; outlier detection ejects inventory-1)"
d=$(span 80)
event 120 fault "{\"kind\": \"latency\", \"service\": \"recommendations\", \"latency_ms\": 1000, \"jitter_ms\": 200, \"probability\": 0.5, \"for_s\": $d}" \
  "half the recommendations requests wait 1000+-200 ms, past the route's 300 ms timeout (504), for $d s"
d=$(span 60)
event 220 fault "{\"kind\": \"abort\", \"service\": \"inventory\", \"status\": 503, \"for_s\": $d}" \
  "every inventory instance answers 503 for $d s (the circuit breaker opens)"
event 300 reload 2 "config reload: products' X-Soak-Config 1 -> 2, inventory breaker open_ms 2000 -> 3000"
d=$(span 80)
event 360 fault "{\"kind\": \"reset\", \"service\": \"inventory\", \"probability\": 0.3, \"for_s\": $d}" \
  "30% of inventory connections reset for $d s"
event 460 kill - "mock-services (faulted) killed with SIGKILL: inventory and recommendations gone"
event 500 restart - "mock-services (faulted) restarted on the same ports"
d=$(span 80)
event 560 fault "{\"kind\": \"down\", \"service\": \"inventory\", \"instance\": \"inventory-2\", \"for_s\": $d}" \
  "inventory-2 refuses connections for $d s"
d=$(span 50)
case "${SOAK_SELF_CHECK:-}" in
  5xx) event 600 clean-fault "{\"kind\": \"abort\", \"service\": \"reviews\", \"status\": 500, \"for_s\": $d}" \
         "SELF-CHECK: the clean reviews service answers 500 for $d s (the clean 5xx check must fail)" ;;
  crash) event 600 crash - "SELF-CHECK: gatewayd killed with SIGKILL (the crash check must fail)" ;;
esac
d=$(span 60)
event 660 fault "{\"kind\": \"hang\", \"service\": \"recommendations\", \"probability\": 0.2, \"for_s\": $d}" \
  "20% of recommendations requests never answered (504 at the route's 300 ms) for $d s"
d=$(span 50)
event 740 fault "{\"kind\": \"slow_body\", \"service\": \"inventory\", \"bytes_per_s\": 200, \"probability\": 0.2, \"for_s\": $d}" \
  "20% of inventory bodies trickle at 200 bytes/s (per-try timeout 400 ms, retried) for $d s"
event 800 reload 1 "config reload: back to the first config"
d=$(span 80)
event 840 fault "{\"kind\": \"flapping\", \"service\": \"inventory\", \"instance\": \"inventory-1\", \"period_s\": 4, \"for_s\": $d}" \
  "inventory-1 flaps (down 2 s of every 4) for $d s"

say "fault timeline (after warm-up; per-request x-fault-abort / x-fault-delay-ms headers all along on the faulted routes):"
for i in "${!EV_MS[@]}"; do say "  at $(fmt_s "${EV_MS[i]}") s: ${EV_DESC[i]}"; done

post_fault() {  # control-url json -> 0 when added
  local code
  rm -f "$OUT/fault-answer.json"
  code=$(curl -s -o "$OUT/fault-answer.json" -w '%{http_code}' --max-time 5 -X POST "$1/_faults" -d "$2")
  [[ "$code" == 201 ]]
}
apply_event() {  # index
  local i=$1 ok=1 answer attempt
  case "${EV_KIND[i]}" in
    fault) post_fault "$FAULT_CTL" "${EV_ARG[i]}" || ok=0 ;;
    clean-fault) post_fault "$CLEAN_CTL" "${EV_ARG[i]}" || ok=0 ;;
    crash) kill -KILL "$GW_PID" ;;
    kill)
      kill -KILL "$FAULTED_PID"; wait "$FAULTED_PID" 2>/dev/null; FAULTED_DOWN=1 ;;
    restart)
      ok=0
      for attempt in {1..20}; do
        if start_ready mock-services-faulted "$OUT/mocks-faulted.out" "$OUT/mocks-faulted.err" \
             "$MOCKS" --config "$OUT/mocks-faulted-restart.json"; then
          ok=1; break
        fi
        say "restart attempt $attempt failed: $START_ERROR"; sleep 0.5
      done
      ((ok)) || fail_runtime "mock-services (faulted) could not be restarted on its ports: $START_ERROR"
      FAULTED_PID=$STARTED_PID FAULTED_DOWN=0 FAULTED_RESTARTS=$((FAULTED_RESTARTS + 1)) ;;
    reload)
      if write_gateway_config "$OUT/gateway.json.next" "${EV_ARG[i]}" "$OUT/mocks-clean.out" "$FAULTED_READY"; then
        mv "$OUT/gateway.json.next" "$OUT/gateway.json"
        answer=$(curl -s --max-time 10 -X POST "$ADMIN/reload")
        [[ "$(jq -r .status <<< "$answer" 2>/dev/null)" == reloaded ]] || ok=0
      else
        ok=0 answer="(the config could not be written)"
      fi
      RELOADS=$((RELOADS + 1)) ;;
  esac
  if ((ok)); then
    say "fault: ${EV_DESC[i]}"
    EVENTS_DONE+=("$(fmt_s "$NOW_MS")|${EV_DESC[i]}")
  else
    say "FAILED to apply: ${EV_DESC[i]} ($(cat "$OUT/fault-answer.json" 2>/dev/null) ${answer:-})"
    EVENTS_DONE+=("$(fmt_s "$NOW_MS")|FAILED: ${EV_DESC[i]}")
    EVENT_ERRORS=$((EVENT_ERRORS + 1))
  fi
}
