"""Keeping the data: scheduled and verified backups, the backup settings, retention periods,
the HS 11361.5 listing and the purge of finished people. Above the store, the review roles and
the orders register, which these operations consult and audit."""
