-- Retention of the recorded invoice chain verifications.
--
-- The nightly job records two passes per organization and night (chain and
-- log): without a purge the table grows for ever. Passes finished more than
-- 400 days ago go (a year of verification history, with room to answer for
-- the last closed fiscal year), except an organization's latest passed one
-- of each kind and any after it: the checkpoint the next pass must agree
-- with, and the latest result the health check reports (a failure must not
-- age out of sight), however old they are.

create index invoice_chain_verifications_finished_idx
  on private.invoice_chain_verifications (finished_at) where finished_at is not null;

create function private.purge_invoice_chain_verifications() returns bigint
  language sql
  set search_path = ''
as $$
  with gone as (
    delete from private.invoice_chain_verifications v
    where v.finished_at < pg_catalog.now() - interval '400 days'
      and exists (select from private.invoice_chain_verifications n
                  where n.org_id = v.org_id and n.kind = v.kind and n.ok
                    and (n.started_at, n.id) > (v.started_at, v.id))
    returning 1)
  select pg_catalog.count(*) from gone
$$;
comment on function private.purge_invoice_chain_verifications() is
  'Daily (pg_cron purge-invoice-chain-verifications): deletes verification passes finished over 400 days ago, keeping each organization''s latest passed one of each kind. Returns how many went.';
revoke all on function private.purge_invoice_chain_verifications() from public;

select cron.schedule('purge-invoice-chain-verifications', '29 3 * * *', 'select private.purge_invoice_chain_verifications()');
