#!/usr/bin/env bash
# The certification page in a real browser: certifies a mutant of the reference (a failing
# report) and the reference (a passing one), loads each report.html in headless Chromium, and
# fails when the page logs a console error, when its own script did not run, or when the
# verdict or any requirement of report.json is missing from the rendered page. Saves a
# screenshot and a printed PDF of each.
#
#   scripts/check-report-in-browser.sh [OUT_DIR]     # default: target/report-check
#
# Installs Debian's `chromium` package when no Chromium is on PATH (needs root and the
# distribution's package mirror). Everything else stays on this machine: the page is a local
# file and the browser's background networking is off.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/report-check}

browser=""
for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then browser=$name; break; fi
done
if [ -z "$browser" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: no chromium on PATH; install it (apt-get install chromium) or run as root" >&2
    exit 2
  fi
  echo "== installing chromium from the distribution's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  browser=chromium
fi
echo "== $("$browser" --version 2>/dev/null || echo "$browser")"

cargo build --quiet
bin=target/debug/confuzz
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

echo "== certify a mutant (must be NOT CERTIFIED) and the reference (must be CERTIFIED)"
set +e
"$bin" certify --vendor clever --mutant clever.auth-statuses-swapped --seed 1 --cases 4 \
  --product "Mutant Grades 0.0.1" --out "$out/failing" >"$out/failing.txt"
failing=$?
"$bin" certify --vendor clever --seed 1 --cases 4 \
  --product "Reference Grades 1.0.0" --out "$out/passing" >"$out/passing.txt"
passing=$?
set -e
[ "$failing" = 1 ] || { echo "error: certifying the mutant exited $failing, not 1" >&2; cat "$out/failing.txt"; exit 1; }
[ "$passing" = 0 ] || { echo "error: certifying the reference exited $passing, not 0" >&2; cat "$out/passing.txt"; exit 1; }

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-extensions --disable-default-apps --hide-scrollbars
  --enable-logging=stderr --v=0 --virtual-time-budget=3000)

# chromium URL ACTION...: one headless run with a fresh profile; its log goes to stderr.
chrome() {
  local url=$1; shift
  local profile
  profile=$(mktemp -d)
  timeout 120 "$browser" "${flags[@]}" --user-data-dir="$profile" "$@" "$url"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

# Lines of a browser log that report a console message, an uncaught error or a blocked script.
console_errors() {
  grep -E 'CONSOLE|Uncaught|Content Security Policy|Refused to' "$1" || true
}

echo "== the console check catches an error (a page that logs one)"
control="$out/control.html"
printf '<!DOCTYPE html><title>control</title><script>console.error("control error")</script>\n' >"$control"
chrome "file://$control" --dump-dom >/dev/null 2>"$out/control.log" || true
if [ -z "$(console_errors "$out/control.log")" ]; then
  echo "error: the browser log shows no console error for the control page; the check would be blind" >&2
  cat "$out/control.log" >&2
  exit 1
fi

check_page() {
  local which=$1 verdict=$2
  local page="$out/$which/report.html"
  echo "== $which: $page"
  chrome "file://$page" --dump-dom >"$out/$which.dom.html" 2>"$out/$which.log"
  local errors
  errors=$(console_errors "$out/$which.log")
  if [ -n "$errors" ]; then
    echo "error: console errors on the $which page:" >&2
    echo "$errors" >&2
    exit 1
  fi
  grep -q "id=\"verdict\">$verdict<" "$out/$which.dom.html" \
    || { echo "error: the $which page does not show $verdict" >&2; exit 1; }
  # The page's own script ran (under its Content-Security-Policy): it shows the filters.
  grep -q '<div id="filters">' "$out/$which.dom.html" \
    || { echo "error: the $which page's script did not run (filters still hidden)" >&2; exit 1; }
  local ids missing=0 n=0
  # Every check of the report: the `id` of each entry of rows, positive and properties.
  ids=$(grep -oE '^      "id": "[^"]+"' "$out/$which/report.json" | sed -E 's/.*"id": "([^"]+)"/\1/' || true)
  for id in $ids; do
    n=$((n + 1))
    if ! grep -qF "id=\"$id\"" "$out/$which.dom.html"; then
      echo "error: requirement $id is not on the $which page" >&2
      missing=1
    fi
  done
  [ "$n" -gt 0 ] || { echo "error: no requirement found in $which/report.json" >&2; exit 1; }
  [ "$missing" = 0 ] || exit 1
  chrome "file://$page" --screenshot="$out/$which.png" --window-size=1280,1800 \
    >/dev/null 2>>"$out/$which.log"
  chrome "file://$page" --print-to-pdf="$out/$which.pdf" --no-pdf-header-footer \
    >/dev/null 2>>"$out/$which.log"
  [ -s "$out/$which.png" ] && [ -s "$out/$which.pdf" ] \
    || { echo "error: no screenshot or PDF of the $which page" >&2; exit 1; }
  echo "   $verdict, $n requirements on the page, no console error; $out/$which.png, $out/$which.pdf"
}

check_page failing "NOT CERTIFIED"
check_page passing "CERTIFIED"
echo "== the report pages hold in a browser"
