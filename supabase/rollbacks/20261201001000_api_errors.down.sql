-- DRAFT down file of 20261201001000_api_errors.sql

-- objects it created, newest first
drop table private.api_errors cascade;
drop function private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) cascade;
drop function private.api_error_parts(p_sqlstate text, p_message text, p_detail text) cascade;
