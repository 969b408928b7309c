-- Down file of supabase/migrations/20261207110400_invoice_chain_verifications_retention.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations).
select cron.unschedule('purge-invoice-chain-verifications');
drop function private.purge_invoice_chain_verifications();
drop index private.invoice_chain_verifications_finished_idx;
