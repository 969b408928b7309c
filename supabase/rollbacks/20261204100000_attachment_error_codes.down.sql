-- DRAFT down file of 20261204100000_attachment_error_codes.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from private.api_errors where code = 'unsupported_media_type';
delete from private.api_errors where code = 'attachment_not_uploaded';
delete from private.api_errors where code = 'attachment_mismatch';
delete from private.api_errors where code = 'rate_limited';
set local session_replication_role = origin;

-- objects it created, newest first
drop function private.raise_rate_limited(p_retry_after_seconds integer, p_message text) cascade;
