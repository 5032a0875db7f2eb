#!/usr/bin/env bash
# /metrics as Prometheus reads it: after a few requests of each kind against a `regent dev` of its
# own, promtool (which Regent did not write) finds the exposition valid and lint-clean, and the
# series an operator alerts on are there, typed, with samples. Run by CTest from scripts/test.
# Usage: metrics_test.sh <regent binary>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
regent="$1"
source "$here/dev_server.sh"
start_dev "$regent"
json='Content-Type: application/json'

curl -fs -X POST "$b/v1/tenants" -H "$json" \
  -d '{"name":"M","slug":"metrics","admin":{"email":"a@metrics.test","password":"correct horse battery","full_name":"A"}}' >/dev/null
token="$(curl -fs -X POST "$b/v1/auth/login" -H "$json" \
  -d '{"tenant":"metrics","email":"a@metrics.test","password":"correct horse battery"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')"
auth="Authorization: Bearer $token"
me="$(curl -fs "$b/v1/me" -H "$auth" | sed -E 's/^\{"user":\{"id":"([^"]+)".*/\1/')"
pos="$(curl -fs -D - -o /dev/null -X POST "$b/v1/users/$me/wallet/credits" -H "$auth" -H "$json" -d '{"amount":100}' |
  tr -d '\r' | sed -n 's/^[Rr]egent-[Pp]osition: //p')"
curl -fs "$b/v1/users/$me/wallet" -H "$auth" -H "Regent-Min-Position: $pos" >/dev/null
curl -s -o /dev/null "$b/v1/nothing-here"
curl -s -o /dev/null "$b/v1/me"
curl -fs "$b/metrics" >"$dir/metrics.txt"

check "promtool finds the exposition valid and lint-clean" 'promtool check metrics <"$dir/metrics.txt"'
check "served as the text format, version 0.0.4" \
  'curl -fs -D - -o /dev/null "$b/metrics" | tr -d "\r" | grep -qi "^content-type: text/plain; version=0.0.4"'
check "no series is untyped" '! grep -q "^# TYPE .* untyped" "$dir/metrics.txt"'
check "every series has a help line" \
  '[ "$(grep -c "^# TYPE" "$dir/metrics.txt")" -eq "$(grep -c "^# HELP" "$dir/metrics.txt")" ]'
for series in regent_http_request_duration_seconds regent_command_duration_seconds regent_command_batch_size \
  regent_pg_query_wait_seconds; do
  check "$series is a histogram with samples" \
    'grep -q "^# TYPE $series histogram" "$dir/metrics.txt" && awk -v s="${series}_count" "\$1 ~ \"^\"s && \$2 > 0 {f = 1} END {exit !f}" "$dir/metrics.txt"'
done
check "HTTP latency by route and status class" \
  'grep -q "^regent_http_request_duration_seconds_bucket{.*route=\"/v1/users/{id}/wallet\".*status_class=\"2xx\"" "$dir/metrics.txt" &&
   grep -q "^regent_http_request_duration_seconds_count{.*status_class=\"4xx\"" "$dir/metrics.txt"'
check "requests counted by status" 'grep -q "^regent_http_requests_total{.*status=\"401\"" "$dir/metrics.txt"'
check "projection lag in events and in seconds, per projection" \
  'grep -q "^regent_projection_lag{partition=\"[0-9]*\",projection=\"wallets\"}" "$dir/metrics.txt" &&
   grep -q "^regent_projection_lag_seconds{partition=\"[0-9]*\",projection=\"wallets\"}" "$dir/metrics.txt"'
check "the counters are counters" 'grep -q "^# TYPE regent_events_appended_total counter" "$dir/metrics.txt" &&
   grep -q "^# TYPE regent_pg_queries_total counter" "$dir/metrics.txt"'
[ "$failures" -eq 0 ] || { cat "$dir/metrics.txt"; exit 1; }
