-- A payment recorded without an invoice could be deleted (a wrong import).
-- Its receipt is now posted to the bank journal when it is recorded
-- (README.md, "Accounting"), and the ledger is append-only: the entry keeps
-- its payment (foreign key), so the delete would fail on the foreign key with
-- a message that says nothing useful. The guard refuses it first, naming the
-- entry. Every payment is posted when it is recorded, so none is deleted any
-- more: a receipt recorded by mistake stays on the suspense account until a
-- correcting entry moves it.
create or replace function private.guard_payments() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
declare
  v_inv   public.invoices;
  v_entry text;
begin
  if tg_op = 'DELETE' then
    if old.invoice_id is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is matched to an invoice and cannot be deleted', coalesce(old.external_ref, old.id::text)));
    end if;
    select e.journal_code || ' ' || e.fiscal_year || '-' || e.entry_number into v_entry
    from public.ledger_entries e where e.org_id = old.org_id and e.payment_id = old.id
    order by e.validated_at limit 1;
    if v_entry is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is posted to the bank journal (entry %s) and cannot be deleted', coalesce(old.external_ref, old.id::text), v_entry));
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
$$;

comment on function private.guard_payments() is 'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is never changed nor deleted; an unmatched one can be matched once, and deleted only while no ledger entry holds it.';

update private.permission_matrix set note = 'Refused by trigger once the payment is in the ledger (every payment is posted when recorded, README.md "Accounting").'
where table_name = 'public.payments' and operation = 'delete';
