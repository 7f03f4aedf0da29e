#!/usr/bin/env bash
# The browser journeys (tests/browser): make sure Chromium is there, then run them on their own
# test database (<TEST_DATABASE_NAME>_browser). Extra arguments go to pytest, e.g.
#   bin/browser.sh -k j3 --create-db
# Environment: NF_CHROMIUM (default /usr/bin/chromium), NF_BROWSER_INSTALL=0 (never apt-get),
# NF_BROWSER_PORT (live server port; default a free one), NF_BROWSER_ARTIFACTS (default .artifacts/browser).
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${NF_CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
  if [ "${NF_BROWSER_INSTALL:-1}" != "0" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing at $CHROMIUM: installing Debian's package (apt-get install chromium)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || echo "apt-get could not install chromium"
  fi
  if [ ! -x "$CHROMIUM" ]; then
    cat >&2 <<MSG
ERROR: the browser journeys need Chromium at $CHROMIUM, and it is not there.
  Debian/Ubuntu: sudo apt-get install chromium     (then run this again)
  Elsewhere:     install Chromium and set NF_CHROMIUM=/path/to/chromium
Playwright drives that system Chromium; never run "playwright install" (it downloads its own).
MSG
    exit 3
  fi
fi

export NF_CHROMIUM="$CHROMIUM"
base=${TEST_DATABASE_NAME:-test_nidia_flow}
export TEST_DATABASE_NAME="${base%_browser}_browser"
if [ -n "${CI:-}" ]; then default_args=(--create-db); else default_args=(--reuse-db); fi
exec .venv/bin/python -m pytest tests/browser "${default_args[@]}" "$@"
