-- =============================================================================
-- Credit notes (avoirs), DESIGN.md invariant 5.
--
-- An issued invoice is never edited: it is corrected by a credit note that
-- cites it. A credit note (kind 'credit_note', series AV) carries positive
-- amounts and must reference an ISSUED, non-credit invoice of the same
-- organization and client (the composite foreign key
-- invoices_credited_invoice_fkey already pins organization and client; this
-- trigger gives the readable reasons and the rules a key cannot express).
-- All issued credit notes of an invoice together never exceed its total TTC.
--
-- Concurrency: the sum is checked when a credit note is issued, after locking
-- the credited invoice row FOR UPDATE; a second issuer of a credit note for
-- the same invoice waits, then (READ COMMITTED: each statement of this
-- function takes a fresh snapshot) sums with the first one included. Issuing
-- is also serialized per organization by the chain head (issuing migration);
-- the row lock keeps the rule self-contained should that ever change.
-- =============================================================================

create function private.validate_credit_note()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_orig     public.invoices;
  v_issuing  boolean := tg_op = 'UPDATE' and old.status = 'draft' and new.status = 'issued';
  v_credited bigint;
  v_this     bigint;
begin
  if new.kind <> 'credit_note' then
    return new;
  end if;
  -- Locked credit notes: guard_invoice_updates() already allowed only markers.
  if tg_op = 'UPDATE' and old.status <> 'draft' then
    return new;
  end if;

  if new.credited_invoice_id is null then
    raise exception 'A credit note must reference the invoice it credits' using errcode = '23514';
  end if;
  if v_issuing then
    select * into v_orig from public.invoices i
    where i.org_id = new.org_id and i.id = new.credited_invoice_id
    for update;
  else
    select * into v_orig from public.invoices i
    where i.org_id = new.org_id and i.id = new.credited_invoice_id;
  end if;

  if not found then
    raise exception 'Credited invoice % not found in this organization', new.credited_invoice_id using errcode = 'P0001';
  end if;
  if v_orig.kind <> 'invoice' then
    raise exception 'A credit note cannot credit another credit note (%)', v_orig.number using errcode = 'P0001';
  end if;
  if v_orig.status = 'draft' then
    raise exception 'A credit note must reference an issued invoice: the credited invoice is a draft (edit or delete the draft instead)'
      using errcode = 'P0001';
  end if;
  if v_orig.client_id <> new.client_id then
    raise exception 'A credit note must be for the client of the invoice it credits (%)', v_orig.number using errcode = 'P0001';
  end if;

  if v_issuing then
    select coalesce(sum(c.total_ht_cents + c.total_vat_cents), 0) into v_credited
    from public.invoices c
    where c.org_id = new.org_id and c.credited_invoice_id = new.credited_invoice_id
      and c.kind = 'credit_note' and c.status <> 'draft' and c.id <> new.id;
    -- total_ttc_cents is generated, hence NULL in NEW here: add its parts.
    v_this := new.total_ht_cents + new.total_vat_cents;
    if v_credited + v_this > v_orig.total_ttc_cents then
      raise exception 'Credit notes for invoice % would exceed its total: % invoiced, % already credited, % on this credit note',
        v_orig.number, private.format_cents(v_orig.total_ttc_cents), private.format_cents(v_credited), private.format_cents(v_this)
        using errcode = 'P0001';
    end if;
  end if;
  return new;
end;
$$;
comment on function private.validate_credit_note() is
  'Trigger (invariant 5): a credit note credits an issued invoice of the same organization and client; '
  'at issue, all issued credit notes of the invoice together never exceed its total TTC (invoice row locked).';

create trigger invoices_30_credit_note before insert or update on public.invoices
  for each row execute function private.validate_credit_note();
