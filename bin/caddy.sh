#!/usr/bin/env bash
# Caddy for tests/test_caddy_tls.py: Debian's package (2.6), installed when missing (as bin/browser.sh does
# for Chromium), or an explanation. Only the binary is used: the test starts its own Caddy on free high ports
# with a generated Caddyfile and Caddy's internal CA, never the system service (docs/deploy/caddy.md).
# NF_CADDY_INSTALL=0 never installs; without caddy the test skips locally and fails under CI.
set -euo pipefail

if command -v caddy >/dev/null 2>&1 || [ -x /usr/bin/caddy ]; then
  exit 0
fi
if [ "${NF_CADDY_INSTALL:-1}" != "0" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Caddy is missing: installing Debian's package (apt-get install caddy)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq caddy >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq caddy >/dev/null; } \
    || echo "apt-get could not install caddy"
  # The package enables a system service on ports 80/443 with its sample site: nothing here uses it.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now caddy >/dev/null 2>&1 || true; fi
fi
if ! command -v caddy >/dev/null 2>&1 && [ ! -x /usr/bin/caddy ]; then
  cat >&2 <<MSG
Caddy is not installed: tests/test_caddy_tls.py (custom domains over HTTPS) needs it.
  Debian/Ubuntu: sudo apt-get install caddy     (then run this again)
  Elsewhere:     install Caddy 2.6 or later on PATH
Without it that test skips locally (and fails under CI=true).
MSG
  [ -n "${CI:-}" ] && exit 1
fi
exit 0
