#!/usr/bin/env bash
# /docs as a browser shows it: headless Chromium (which Regent did not write) loads the API explorer
# from a `regent dev` of its own, with every file served by that server, and the rendered page lists
# every operation of /openapi.json and offers "Authorize" for a bearer token; ReDoc at /redoc lists
# every operation too. Also leaves screenshots (docs.png, redoc.png) in REGENT_DOCS_SCREENSHOT's
# folder when set. Run by CTest from scripts/test.
# Usage: docs_test.sh <regent binary>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
regent="$1"
source "$here/dev_server.sh"
start_dev "$regent"
browser="$(command -v chromium || command -v chromium-browser)"
run_browser() {
  "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$dir/profile" --virtual-time-budget=20000 --window-size=1280,2200 "$@" 2>>"$dir/browser.err"
}
run_browser --dump-dom "$b/docs" >"$dir/dom.html"
curl -fs "$b/openapi.json" >"$dir/openapi.json"
ops="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for p in d["paths"].values() for m in p if m in ("get","post","put","patch","delete")))' "$dir/openapi.json")"
rendered="$(grep -o 'class="opblock opblock-[a-z]*' "$dir/dom.html" | wc -l)"
check "Swagger UI rendered every one of the $ops operations (found $rendered)" '[ "$rendered" -eq "$ops" ]'
check "it offers Authorize for a bearer token" 'grep -q "btn authorize" "$dir/dom.html"'
check "the document's title is shown" 'grep -q "Regent" "$dir/dom.html"'
check "no script or stylesheet comes from elsewhere" \
  '! grep -Eq "<(script|link)[^>]*(src|href)=\"(https?:)?//" "$dir/dom.html"'
run_browser --dump-dom "$b/redoc" >"$dir/redoc.html"
sections="$(grep -o 'data-section-id="tag/[^"/]*/operation/[^"]*"' "$dir/redoc.html" | sort -u | wc -l)"
check "ReDoc rendered every one of the $ops operations (found $sections)" '[ "$sections" -eq "$ops" ]'
check "ReDoc's page loads nothing from elsewhere" \
  '! grep -Eq "<(script|link)[^>]*(src|href)=\"(https?:)?//" "$dir/redoc.html"'
check "the explorer's files are served with their types" \
  'curl -fs -D - -o /dev/null "$b/docs/swagger-ui-bundle.js" | tr -d "\r" | grep -qi "^content-type: text/javascript" &&
   curl -fs -D - -o /dev/null "$b/docs/swagger-ui.css" | tr -d "\r" | grep -qi "^content-type: text/css"'
check "an unknown file is a problem+json 404" \
  '[ "$(curl -s -o /dev/null -w "%{http_code} %{content_type}" "$b/docs/nope.js")" = "404 application/problem+json" ]'
if [ -n "${REGENT_DOCS_SCREENSHOT:-}" ]; then
  run_browser --screenshot="$REGENT_DOCS_SCREENSHOT/docs.png" "$b/docs" >/dev/null
  run_browser --screenshot="$REGENT_DOCS_SCREENSHOT/redoc.png" "$b/redoc" >/dev/null
fi
[ "$failures" -eq 0 ] || { tail -20 "$dir/browser.err"; exit 1; }
