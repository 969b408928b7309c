-- No hours and no stock use on a mission that is invoiced or cancelled.
--
-- log_hours() and record_stock_use() read the mission's status without a
-- lock, so hours or parts committed while bulk_invoice_missions() invoices
-- that mission would be missing from the invoice. This trigger closes the gap
-- for every writer, not just those two functions: it takes a FOR SHARE lock
-- on the mission (which conflicts with the FOR UPDATE lock invoicing holds) and
-- checks the status once the lock is granted. Either the invoicing runs first
-- and the write is refused, or the write commits first and invoicing sees it
-- (and refuses the mission while that timesheet is unapproved).
create function private.refuse_work_on_closed_mission()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status public.mission_status;
begin
  if new.mission_id is null then
    return new;
  end if;
  select m.status into v_status
    from public.missions m
   where m.org_id = new.org_id and m.id = new.mission_id
     for share;
  if v_status in ('invoiced', 'cancelled') then
    raise exception 'Mission % is %: no more hours or stock can be recorded on it', new.mission_id, v_status
      using errcode = 'P0001';
  end if;
  return new;
end;
$$;
comment on function private.refuse_work_on_closed_mission() is
  'Locks the mission FOR SHARE and refuses timesheets and stock movements on invoiced or cancelled missions.';

create trigger timesheets_mission_open
  before insert or update of mission_id on public.timesheets
  for each row execute function private.refuse_work_on_closed_mission();

create trigger stock_movements_mission_open
  before insert on public.stock_movements
  for each row execute function private.refuse_work_on_closed_mission();
