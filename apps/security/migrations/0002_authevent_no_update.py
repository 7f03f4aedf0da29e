from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION security_authevent_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'security_authevent is append-only: UPDATE is not allowed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER security_authevent_no_update
    BEFORE UPDATE ON security_authevent
    FOR EACH ROW EXECUTE FUNCTION security_authevent_refuse_update();
"""

REVERSE = """
DROP TRIGGER IF EXISTS security_authevent_no_update ON security_authevent;
DROP FUNCTION IF EXISTS security_authevent_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
