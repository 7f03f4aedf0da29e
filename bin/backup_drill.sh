#!/usr/bin/env bash
# Backup drill (docs/backup.md): restore a dump into a scratch database and run smoke checks against it.
#
#   bin/backup_drill.sh DUMP [SCRATCH_DB]
#
# DUMP is a pg_dump custom-format file (pg_dump -Fc) or a plain .sql file of the whole platform database.
# The scratch database (default nidia_drill_<date>) is created on the server of $DATABASE_URL, checked, and left
# in place for inspection unless DRILL_DROP=1. Exit status 0 only if every check passed; the time taken is
# printed (the RTO budget is 4 h for the whole platform).
set -euo pipefail

dump=${1:?usage: bin/backup_drill.sh DUMP [SCRATCH_DB]}
scratch=${2:-nidia_drill_$(date -u +%Y%m%d%H%M%S)}
base_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/nidia_flow}
server_url=${base_url%/*}
scratch_url="$server_url/$scratch"
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
started=$(date +%s)

echo "drill: restoring $dump into $scratch"
createdb --maintenance-db="$server_url/postgres" "$scratch"
if [[ $dump == *.sql ]]; then
    psql -q -v ON_ERROR_STOP=1 "$scratch_url" -f "$dump" >/dev/null
else
    pg_restore --no-owner --exit-on-error -d "$scratch_url" "$dump"
fi
echo "drill: restored in $(( $(date +%s) - started )) s"

export DATABASE_URL=$scratch_url
cd "$here"
fail() { echo "drill: FAILED: $1 (scratch database $scratch kept)"; exit 1; }
echo "drill: system checks";        "$python" manage.py check || fail "manage.py check"
echo "drill: migrations applied";   "$python" manage.py migrate --check --plan >/dev/null || fail "unapplied migrations"
echo "drill: audit chains verify";  "$python" manage.py audit_verify || fail "an audit chain is broken"
echo "drill: row counts"
"$python" manage.py shell --no-imports -c "
from apps.tenancy.models import Tenant
from apps.accounts.models import User, Membership
from django_tenants.utils import schema_context
tenants = Tenant.objects.filter(is_template=False).exclude(schema_name='public')
print(f'tenants={tenants.count()} users={User.objects.count()} memberships={Membership.objects.count()}')
from django.db import connection
for tenant in tenants.exclude(status='deleted')[:20]:
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM pg_tables WHERE schemaname = %s', [tenant.schema_name])
        assert cursor.fetchone()[0] > 0, f'schema {tenant.schema_name} of tenant {tenant.slug} is missing'
print('every tenant schema checked is present')
"
# TODO(issue 18 part 1): run bin/prod_check.py's smoke suite against $DATABASE_URL here once it lands.
echo "drill: passed in $(( $(date +%s) - started )) s (scratch database $scratch)"
if [[ ${DRILL_DROP:-0} == 1 ]]; then dropdb --maintenance-db="$server_url/postgres" "$scratch"; fi
