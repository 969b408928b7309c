-- Back to a free status column: the functions and the reason go.
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object in ('public.convert_client_request(uuid,uuid,text,timestamp with time zone,timestamp with time zone,public.mission_priority)', 'public.decline_client_request(uuid,text)');
drop function public.decline_client_request(uuid, text);
drop function public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority);
drop function private.client_request_for_decision(uuid);
alter table public.client_requests
  drop constraint client_requests_rejected_has_reason,
  drop constraint client_requests_decline_reason_length,
  drop column decline_reason;
