-- Mailing addresses for the service list of the court's notices (issue 19 polish): the person's
-- mailing address and their counsel's name and address, entered on the matter when it is opened
-- or later. The prosecuting agency's and the public defender's names and addresses are court
-- settings (settings keys service.*, set by an administrator), not columns.
ALTER TABLE matters ADD COLUMN person_address TEXT;
ALTER TABLE matters ADD COLUMN counsel_name TEXT;
ALTER TABLE matters ADD COLUMN counsel_address TEXT;
