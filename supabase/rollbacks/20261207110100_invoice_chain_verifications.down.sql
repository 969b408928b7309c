-- Down file of supabase/migrations/20261207110100_invoice_chain_verifications.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations).
select cron.unschedule('verify-invoice-chains');
drop function private.run_invoice_chain_verifications(bigint);
drop function private.advance_invoice_chain_verification(bigint, bigint);
drop table private.invoice_chain_verifications;
