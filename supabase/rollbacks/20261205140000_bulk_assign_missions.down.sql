-- Back to assigning missions one by one (transition_mission).
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object in ('public.bulk_assign_missions(uuid[],uuid)');
drop function public.bulk_assign_missions(uuid[], uuid);
