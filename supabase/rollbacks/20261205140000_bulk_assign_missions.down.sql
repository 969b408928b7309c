-- Back to assigning missions one by one (transition_mission).
drop function public.bulk_assign_missions(uuid[], uuid);
