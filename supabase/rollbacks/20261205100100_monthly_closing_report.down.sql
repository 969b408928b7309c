-- Without the monthly closing report.
delete from ops.lint_allowlist
where rule = 'authenticated_security_definer_function_executable' and object = 'public.closing_report(uuid,date)';
drop function public.closing_report(uuid, date);
