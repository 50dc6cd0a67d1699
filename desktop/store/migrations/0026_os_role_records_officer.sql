-- A records officer (issue 18) may sign in with the operating-system account like any other role:
-- 0017 allowed only clerk, judge and admin in os_role_map, so mapping an account or group to
-- records_officer failed on the CHECK. Rebuilt with every role the users table allows.
CREATE TABLE os_role_map_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('account', 'group')),
    name TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'judge', 'admin', 'records_officer')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    UNIQUE (kind, name)
);
INSERT INTO os_role_map_new (id, kind, name, role, added_at, added_by)
    SELECT id, kind, name, role, added_at, added_by FROM os_role_map;
DROP TABLE os_role_map;
ALTER TABLE os_role_map_new RENAME TO os_role_map;
