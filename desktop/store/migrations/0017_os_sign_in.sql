-- Sign-in with the operating-system account (issue 14 §7): an administrator maps Windows accounts,
-- or groups such as an Active Directory group, to ReliefDesk roles, so court IT removes a leaver
-- in one place (the account or the group). Names as the OS gives them: DOMAIN\name.
CREATE TABLE os_role_map (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('account', 'group')),
    name TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'judge', 'admin')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    UNIQUE (kind, name)
);
