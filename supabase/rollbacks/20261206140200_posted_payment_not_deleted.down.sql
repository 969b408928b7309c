-- Down file of supabase/migrations/20261206140200_posted_payment_not_deleted.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
update private.permission_matrix set note = 'Unmatched payments only (a wrong import; trigger).'
where table_name = 'public.payments' and operation = 'delete';

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.guard_payments()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_inv public.invoices;
begin
  if tg_op = 'DELETE' then
    if old.invoice_id is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is matched to an invoice and cannot be deleted', coalesce(old.external_ref, old.id::text)));
    end if;
    return old;
  end if;

  if tg_op = 'UPDATE' then
    -- Only one change exists: matching an unmatched payment to an invoice.
    if old.invoice_id is not null or new.invoice_id is null
       or (pg_catalog.to_jsonb(new) - array['invoice_id', 'matched_at']) <> (pg_catalog.to_jsonb(old) - array['invoice_id', 'matched_at']) then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is recorded: only matching an unmatched payment to an invoice is allowed', coalesce(old.external_ref, old.id::text)));
    end if;
    new.matched_at := now();
  else
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.matched_at := case when new.invoice_id is not null then now() end;
  end if;

  if new.invoice_id is not null then
    select * into v_inv from public.invoices i where i.org_id = new.org_id and i.id = new.invoice_id;
    if found and v_inv.kind <> 'invoice' then
      perform private.raise_api_error('rule_violation', pg_catalog.format('A payment cannot be recorded against a credit note (%s)', v_inv.number));
    end if;
    if found and v_inv.status = 'draft' then
      perform private.raise_api_error('rule_violation', 'A payment cannot be recorded against a draft invoice');
    end if;
    -- Not found: the foreign key refuses it.
  end if;
  return new;
end;
$function$;


-- comments it changed on existing objects
comment on function private.guard_payments() is 'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is never changed nor deleted; an unmatched one can be matched once or deleted.';
