#!/usr/bin/env bash
# The newcomer path, proven: the real `make run` on a machine with no PostgreSQL, no Redis and no network.
#
# A fresh copy of this checkout (tracked and untracked-but-not-ignored files; the virtualenv is linked,
# not copied, and set up first while the network is still there) runs `make run` inside a new network
# namespace whose only interface is loopback: no server answers at 127.0.0.1:5432 or :6379, nothing
# outside is reachable, and port 8000 there is not the host's. bin/services.py must fall back to the
# embedded PostgreSQL (pgserver) and the server-less broker; then this script waits (bounded) until
# http://127.0.0.1:8000/readyz (database, broker, migrations) answers 200, signs in to Acme's portal with the demo credentials
# `make run` prints (the login form, as a browser would post it) and to the staff admin (password, then
# the TOTP code of `manage.py demo_totp`). Whatever happens, everything it started is stopped and the
# namespace and the copy are removed (keep the copy with NEWCOMER_KEEP=1).
#
# Where `ip netns` is not usable (not root, a container without CAP_SYS_ADMIN), it says so and falls
# back to a weaker proof: the same run outside a namespace with NIDIA_FORCE_EMBEDDED=1 (local servers
# are ignored, so nothing but the embedded fallback is used) and PORT=$NEWCOMER_PORT (default 18000).
#
# Usage: bin/ci_newcomer.sh          (root, or CAP_SYS_ADMIN + CAP_NET_ADMIN, for `ip netns`)
# Env:   NEWCOMER_TIMEOUT (seconds to wait for /readyz, default 1800: the first run migrates every
#        schema, over 15 minutes on a loaded 2-core machine), NEWCOMER_KEEP=1,
#        NEWCOMER_LOG (where the `make run` output goes; default inside the copy, printed on failure),
#        NEWCOMER_PORT (web port of the fallback without a namespace)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=${NEWCOMER_TIMEOUT:-1800}
NS="nidia-newcomer-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nidia-newcomer.XXXXXX")
COPY="$WORK/checkout"
LOG=${NEWCOMER_LOG:-$WORK/make-run.log}
JAR="$WORK/cookies"
RUN_PID=""
STARTED=$(date +%s)
NETNS=1
PORT=8000

say() { printf '[newcomer %4ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
in_ns() { if [ "$NETNS" = 1 ]; then ip netns exec "$NS" "$@"; else "$@"; fi; }

# What `make run` sees: a clean environment, as on a newcomer's machine (no service URLs, no Django
# settings of the caller), plus PATH and HOME.
clean_env=(env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=${HOME:-/root}"
  "LANG=C.UTF-8" "NO_COLOR=1" "PYTHONUNBUFFERED=1" "TMPDIR=$WORK/tmp")
BASE=http://127.0.0.1:$PORT

cleanup() {
  local status=$?
  set +e
  if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
    say "stopping make run (pid $RUN_PID): SIGTERM to its process group, as Ctrl-C would"
    kill -TERM -- "-$RUN_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$RUN_PID" 2>/dev/null
  fi
  if [ -x "$COPY/.venv/bin/python" ] && [ -f "$COPY/.data/pg/postmaster.pid" ]; then
    say "stopping the embedded PostgreSQL"
    "${clean_env[@]}" "$COPY/.venv/bin/python" "$COPY/bin/services.py" --stop --data-dir "$COPY/.data" || true
  fi
  if ip netns list 2>/dev/null | grep -qw "$NS"; then
    # Anything still running in the namespace was started by this script (web, worker, beat, postgres).
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    ip netns del "$NS"
  fi
  if [ "$status" -ne 0 ]; then
    say "FAILED (exit $status). The last lines of the make run output ($LOG):"
    tail -n 80 "$LOG" 2>/dev/null | sed 's/^/    /'
  fi
  if [ "${NEWCOMER_KEEP:-0}" = 1 ]; then
    say "kept the copy in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v ip >/dev/null || { echo "ci_newcomer: the ip command (iproute2) is missing" >&2; exit 2; }
command -v curl >/dev/null || { echo "ci_newcomer: curl is missing" >&2; exit 2; }

say "setting up the virtualenv of $REPO (pinned requirements; needs the package index, so before the cut)"
(cd "$REPO" && bash bin/bootstrap.sh)

say "copying the checkout to $COPY (no .data, no services.env: a fresh clone)"
mkdir -p "$COPY" "$WORK/tmp"
chmod 755 "$WORK"  # the embedded PostgreSQL runs as its own user when we are root
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  case "$f" in .venv | .venv/* | .data | .data/*) continue ;; esac  # a linked .venv is not ignored by ".venv/"
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf -) | tar -xf - -C "$COPY"
# A virtualenv of the copy's own, inside $WORK: the embedded PostgreSQL's binaries live in the venv and
# run as the `pgserver` user when we are root, so every folder above them must be traversable by it
# (a clone inside `mktemp -d`, mode 700, is not). The pip cache makes this quick; still before the cut.
rm -rf "$COPY/.venv"
say "setting up the copy's own virtualenv (its binaries must be readable by the embedded PostgreSQL's user)"
(cd "$COPY" && bash bin/bootstrap.sh)

say "creating network namespace $NS: loopback only, no PostgreSQL, Redis or RabbitMQ, no route out"
if ip netns add "$NS" 2>"$WORK/netns.err"; then
  in_ns ip link set lo up
  for port in 5432 6379 5672 8000; do
    if in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      echo "ci_newcomer: something answers on 127.0.0.1:$port inside the fresh namespace" >&2
      exit 1
    fi
  done
else
  NETNS=0
  PORT=${NEWCOMER_PORT:-18000}
  BASE=http://127.0.0.1:$PORT
  clean_env+=("NIDIA_FORCE_EMBEDDED=1")
  say "WARNING: ip netns is not usable here ($(tr -d '\n' <"$WORK/netns.err")): falling back to"
  say "  NIDIA_FORCE_EMBEDDED=1 (local servers ignored) and web port $PORT, outside a namespace. This proves the"
  say "  embedded fallback, not that nothing else was reachable."
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "ci_newcomer: port $PORT is taken; set NEWCOMER_PORT" >&2
    exit 1
  fi
fi

say "make run (output in $LOG)"
# setsid: make, run.py and their children get a process group of their own, stopped as one.
if [ "$NETNS" = 1 ]; then
  setsid ip netns exec "$NS" "${clean_env[@]}" bash -c "cd '$COPY' && exec make run" >"$LOG" 2>&1 </dev/null &
else
  setsid "${clean_env[@]}" "PORT=$PORT" bash -c "cd '$COPY' && exec make run" >"$LOG" 2>&1 </dev/null &
fi
RUN_PID=$!

say "waiting up to ${TIMEOUT}s for $BASE/readyz"
deadline=$(($(date +%s) + TIMEOUT))
until in_ns curl -sf -o "$WORK/readyz.json" -H "Host: localhost" $BASE/readyz; do
  if ! kill -0 "$RUN_PID" 2>/dev/null; then
    wait "$RUN_PID" || true
    echo "ci_newcomer: make run exited before /readyz answered" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "ci_newcomer: /readyz did not answer 200 within ${TIMEOUT}s" >&2
    in_ns curl -s -H "Host: localhost" $BASE/readyz >&2 || true
    exit 1
  fi
  sleep 3
done
say "readyz: $(cat "$WORK/readyz.json")"
grep -q "embedded PostgreSQL" "$LOG" || { echo "ci_newcomer: make run did not use the embedded PostgreSQL" >&2; exit 1; }
grep -q "filesystem transport" "$LOG" || { echo "ci_newcomer: make run did not use the server-less broker" >&2; exit 1; }
if grep -q "step .* failed\|platform_setup: .* failed" "$LOG"; then
  echo "ci_newcomer: the setup reported a failed step:" >&2
  grep "step .* failed\|platform_setup: .* failed" "$LOG" >&2
  exit 1
fi

# The demo sign-ins `make run` printed (run.py reads them from .data/demo-credentials.json).
password_of() {
  grep -E "^run +\|   $1 " "$LOG" | head -1 | awk '{print $NF}'
}
csrf_of() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$1" | head -1; }

# sign_in HOST EMAIL PASSWORD NEXT: GET the allauth login form, POST it; prints the redirect target.
sign_in() {
  local host=$1 email=$2 password=$3 next=$4 page="$WORK/page.html"
  rm -f "$JAR"
  in_ns curl -sf -c "$JAR" -b "$JAR" -H "Host: $host" -o "$page" "$BASE/accounts/login/?next=$next"
  in_ns curl -s -c "$JAR" -b "$JAR" -H "Host: $host" -H "Referer: http://$host/accounts/login/" -o /dev/null \
    -w '%{http_code} %{redirect_url}' \
    --data-urlencode "csrfmiddlewaretoken=$(csrf_of "$page")" --data-urlencode "login=$email" \
    --data-urlencode "password=$password" "$BASE/accounts/login/?next=$next"
}

acme_password=$(password_of "admin@acme.localhost")
[ -n "$acme_password" ] || { echo "ci_newcomer: make run printed no password for admin@acme.localhost" >&2; exit 1; }
answer=$(sign_in acme.localhost admin@acme.localhost "$acme_password" /manage/)
say "acme admin sign-in: $answer"
case "$answer" in 302\ *) ;; *) echo "ci_newcomer: the acme sign-in was refused ($answer)" >&2; exit 1 ;; esac
code=$(in_ns curl -s -b "$JAR" -H "Host: acme.localhost" -o "$WORK/portal.html" -w '%{http_code}' \
  $BASE/manage/)
[ "$code" = 200 ] && grep -q "Acme" "$WORK/portal.html" || {
  echo "ci_newcomer: Acme's portal answered $code after signing in" >&2
  exit 1
}
say "acme portal /manage/: 200, signed in as admin@acme.localhost"

staff_password=$(password_of "admin@nidia.localhost")
answer=$(sign_in localhost admin@nidia.localhost "$staff_password" /admin/)
say "staff sign-in (password): $answer"
case "$answer" in *"/accounts/2fa/authenticate/"*) ;; *) echo "ci_newcomer: no TOTP step for staff ($answer)" >&2; exit 1 ;; esac
# The TOTP code of the secret seed_demo printed, computed here (RFC 6238: SHA-1, 30 s, 6 digits, as
# allauth's defaults) right before it is posted: `manage.py demo_totp` can take longer than a period
# to start on a busy machine. Two tries, in case a period ends between computing and checking.
secret=$(sed -n 's/.*staff admin TOTP secret: \([A-Z2-7=]*\).*/\1/p' "$LOG" | head -1)
[ -n "$secret" ] || { echo "ci_newcomer: make run printed no TOTP secret for the staff admin" >&2; exit 1; }
totp_now() {
  python3 -c 'import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1].upper(); key = base64.b32decode(s + "=" * (-len(s) % 8))
d = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest(); o = d[-1] & 15
print("%06d" % ((struct.unpack(">I", d[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))' "$1"
}
for try in 1 2; do
  in_ns curl -sf -c "$JAR" -b "$JAR" -H "Host: localhost" -o "$WORK/2fa.html" $BASE/accounts/2fa/authenticate/
  code=$(in_ns curl -s -c "$JAR" -b "$JAR" -H "Host: localhost" -H "Referer: http://localhost/accounts/2fa/authenticate/" \
    -o /dev/null -w '%{http_code}' --data-urlencode "csrfmiddlewaretoken=$(csrf_of "$WORK/2fa.html")" \
    --data-urlencode "code=$(totp_now "$secret")" $BASE/accounts/2fa/authenticate/)
  [ "$code" = 302 ] && break
  say "staff TOTP try $try answered $code; trying again with the next code"
  sleep 5
done
admin=$(in_ns curl -s -b "$JAR" -H "Host: localhost" -o /dev/null -w '%{http_code}' $BASE/admin/)
say "staff TOTP: $code, then /admin/: $admin"
[ "$admin" = 200 ] || { echo "ci_newcomer: the staff admin answered $admin after password and TOTP" >&2; exit 1; }

say "what the setup said about the demo data and billing:"
grep -E "Demo data ready|subscription: |billing run: " "$LOG" | sed 's/^/    /'
say "OK: make run came up on the embedded fallback with no server reachable, and the demo sign-ins work"
