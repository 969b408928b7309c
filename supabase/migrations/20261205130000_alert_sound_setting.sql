-- The sound the alert dashboard plays for a new critical alert is an
-- organization's choice, off by default: a dashboard that starts beeping in
-- an open-plan office without anyone asking for it is a nuisance. The sound
-- itself is an attachment of kind alert_sound (the latest one the
-- organization uploaded); without one the dashboard plays a short beep. Each
-- person still turns the sound on in their own tab (browsers refuse audio
-- before a click).
--
-- Owners and admins change it, through the organizations_update policy that
-- already guards the organization's other settings; the column grant is what
-- lets the API write this one column.

alter table public.organizations
  add column alert_sound_enabled boolean not null default false;

comment on column public.organizations.alert_sound_enabled is
  'Play a sound on the alert dashboard for every new critical alert (the latest alert_sound attachment, else a beep). Off by default; owners and admins change it.';

grant update (alert_sound_enabled) on table public.organizations to authenticated;
