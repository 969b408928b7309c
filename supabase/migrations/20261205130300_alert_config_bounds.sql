-- Upper and lower bounds of an alert configuration. The alert settings screen
-- sends what people type and shows the database's message; the existing
-- trigger (private.validate_alert_config) refuses what is meaningless (a
-- negative threshold, a zero interval), but accepted values the alert engine
-- cannot honour or that silence an alert for good:
--   * a repeat interval or an escalation delay under a minute: the checks run
--     every minute (pg_cron job alert-checks), so "every 10 seconds" would be
--     a promise the screen makes and the engine breaks;
--   * a repeat interval or an escalation delay of years, a threshold of
--     50,000 minutes: an alert that never fires or never repeats, typed by
--     mistake (an extra zero) and noticed when an emergency went unseen.
-- Thirty days is the longest wait that still makes sense for any of them
-- (the same bound as a silence, see public.silence_alert); overdue invoices
-- count in days, up to a year; critical stock in units, up to a million.
--
-- A second trigger, named to fire after alert_config_validate (triggers of
-- one event fire in name order), so the existing messages keep precedence
-- for the values they cover.

create function private.validate_alert_config_bounds() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  -- The largest threshold per unit, and how it reads in a message.
  v_max numeric := case new.unit when 'minutes' then 43200 when 'hours' then 720 when 'days' then 365
                                 when 'units' then 1000000 end;
  v_max_text text := case new.unit when 'minutes' then '43200 minutes (30 days)' when 'hours' then '720 hours (30 days)'
                                   when 'days' then '365 days' when 'units' then '1000000 units' end;
begin
  -- NaN and the infinities are the alert_config_threshold_finite constraint's
  -- to refuse (NaN sorts above every number: it would land here).
  if v_max is not null and new.threshold > v_max
     and new.threshold not in ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Alert %s needs a threshold of at most %s, got %s', new.alert_type, v_max_text, new.threshold));
  end if;
  if new.repeat_interval < interval '1 minute' then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Alert %s repeats at most every minute (the checks run every minute), got %s', new.alert_type, new.repeat_interval));
  end if;
  if new.repeat_interval > interval '30 days' then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Alert %s repeats at least every 30 days, got %s', new.alert_type, new.repeat_interval));
  end if;
  if new.escalate_after < interval '1 minute' then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Alert %s escalates after a minute or more (the checks run every minute), got %s', new.alert_type, new.escalate_after));
  end if;
  if new.escalate_after > interval '30 days' then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Alert %s escalates after 30 days at most, got %s', new.alert_type, new.escalate_after));
  end if;
  return new;
end;
$$;

comment on function private.validate_alert_config_bounds() is
  'Trigger on public.alert_config (after alert_config_validate): thresholds at most 30 days (365 for days, 1,000,000 units), repeat interval and escalation delay from 1 minute to 30 days; invalid_parameter otherwise.';

revoke all on function private.validate_alert_config_bounds() from public;

create trigger alert_config_validate_bounds
  before insert or update on public.alert_config
  for each row execute function private.validate_alert_config_bounds();
