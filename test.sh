#!/usr/bin/env bash
# Runs every test: unit, adapter (real SQLite, fake bd), cluster (in-process Orleans, fake time),
# functional (the real gemba process) and browser (the web UI in chromium). Installs the real components the tests use.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$ROOT"

missing=()
# chromium: the browser tests drive Debian's chromium (Playwright cannot download a browser here)
for tool in tmux:tmux git:git redis-server:redis-server chromium:chromium; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "▶ installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet build Gemba.sln -c Release --nologo -v q
./gemba --version >/dev/null   # the functional tests run the product through the launcher, as the README does
LOG="$(mktemp)"
status=0
dotnet test Gemba.sln -c Release --no-build --nologo 2>&1 | tee "$LOG" || status=$?
passed=$(grep -Eo 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
rm -f "$LOG"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
