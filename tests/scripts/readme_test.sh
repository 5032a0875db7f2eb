#!/usr/bin/env bash
# The README's curl walk-through, run as written against a `regent dev` of its own (its own data
# directory, database and port): every step that should succeed does, and the only problems it
# meets are the two it shows on purpose (a key outside its scopes, then revoked). Run by CTest
# from scripts/test, while the test Postgres runs. Usage: readme_test.sh <regent binary>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
regent="$1"
readme="$here/../../README.md"
source "$here/dev_server.sh"
start_dev "$regent"

# The first sh block under the walk-through's heading, on this server's port.
awk '/^## A walk-through with curl/ {on = 1} on && /^```sh/ {inside = 1; next} inside && /^```/ {exit} inside {print}' \
  "$readme" | sed "s/localhost:8080/localhost:$port/g" >"$dir/walk.sh"
check "the walk-through was found" '[ "$(grep -c curl "$dir/walk.sh")" -ge 20 ]'
(cd "$dir" && bash -e "$dir/walk.sh") >"$dir/walk.out" 2>"$dir/walk.err" || true
cat "$dir/walk.out"

codes="$(grep -o '"code":"[a-z_]*"' "$dir/walk.out" | tr '\n' ' ' || true)"
check "the only problems are the key's 403 and, once revoked, its 401 (got: $codes)" \
  '[ "$codes" = "\"code\":\"forbidden\" \"code\":\"unauthenticated\" " ]'
check "the tenant and its admin were created" 'grep -q "\"slug\":\"acme\"" "$dir/walk.out"'
check "Bob's wallet took the credit and paid for the activity" 'grep -Eq "\"balance\" *: *4500" "$dir/walk.out"'
check "Bob became a manager and was renamed" 'grep -q "\"full_name\":\"Bob Builder\"" "$dir/walk.out"'
check "Carol joined by invitation" 'grep -q "\"email\":\"carol@acme.test\"" "$dir/walk.out"'
check "Carol's permission was approved, then expired" \
  'grep -q "\"status\":\"approved\"" "$dir/walk.out" && grep -q "\"status\":\"expired\"" "$dir/walk.out"'
check "the API key listed the users" '[ "$(grep -o "carol@acme.test" "$dir/walk.out" | wc -l)" -ge 2 ]'
check "Carol exported everything stored about her" 'grep -q "\"exported_at\"" "$dir/walk.out"'
check "the audit trail lists the wallet's events, counts today's and exports them as CSV" \
  'grep -q "\"action\":\"wallet.debited\"" "$dir/walk.out" && grep -q "\"by_action\":{" "$dir/walk.out" && grep -q "id,position,time,tenant_id,actor_id,actor_type" "$dir/walk.out"'
check "Carol was erased: her reason reads as null, her permission's history stays" \
  'grep -q "\"status\":\"erased\"" "$dir/walk.out" && grep -q "\"reason\":null" "$dir/walk.out" && grep -q "\"status\":\"expired\",\"reason\":null" "$dir/walk.out"'
check "nothing went to stderr" '[ ! -s "$dir/walk.err" ] || { cat "$dir/walk.err"; false; }'
[ "$failures" -eq 0 ]
