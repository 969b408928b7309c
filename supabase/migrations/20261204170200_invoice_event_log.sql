-- A tamper-evident log of every legally relevant invoicing event.
--
-- The invoice hash chain (invoices.row_hash, verify_invoice_chain) covers the
-- content of issued documents, but not their status, PDF hash or notes, and it
-- is checked only against itself: whoever can write every row (a superuser
-- with triggers disabled) can rewrite an invoice, recompute every later hash
-- and the chain head, and the chain still verifies.
--
-- This log records, per organization, each event as it happens: a document
-- issued (with its notes and row_hash), its PDF hash recorded, sent, its
-- payment status moving, a payment received or matched, a credit note issued.
-- Each event's hash is sha256(previous hash || canonical event), so the last
-- hash (the head) commits to the whole history. The head and its sequence
-- number are exported outside the database (printed with the FEC, returned by
-- invoice_log_head()); verify_invoice_log(org, head, seq) recomputes the chain
-- from the first event and compares it with that exported head, which a
-- rewrite inside the database cannot change (README.md, "Accounting").
-- The log starts when this migration is applied; earlier documents stay
-- covered by the invoice hash chain.

create table public.invoice_log (
  -- No cascade: the log is kept as long as the invoices it records.
  org_id      uuid not null references public.organizations (id),
  seq         bigint not null check (seq >= 1),
  event       text not null check (event in ('issued', 'credit_note_issued', 'pdf_hashed', 'sent',
                                             'payment_status', 'payment_received', 'payment_matched')),
  -- Plain references, no foreign keys: the log is evidence and outlives rows.
  invoice_id  uuid,
  payment_id  uuid,
  occurred_at timestamptz not null,
  -- Identifiers, numbers, hashes and an invoice's notes (10,000 characters at most).
  data        jsonb not null check (octet_length(data::text) <= 65536),
  prev_hash   text check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text not null check (hash ~ '^[0-9a-f]{64}$'),
  primary key (org_id, seq),
  constraint invoice_log_first_has_no_prev check ((prev_hash is null) = (seq = 1))
);
comment on table public.invoice_log is
  'Append-only, hash-chained log of invoicing events per organization (issued, pdf_hashed, sent, payment_status, payment_received, payment_matched, credit_note_issued); hash = sha256(prev_hash || canonical event). Verified against an exported head by verify_invoice_log().';

create table private.invoice_log_heads (
  org_id     uuid primary key references public.organizations (id) on delete cascade,
  last_seq   bigint not null default 0 check (last_seq >= 0),
  last_hash  text check (last_hash ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz not null default now()
);
alter table private.invoice_log_heads enable row level security;
comment on table private.invoice_log_heads is 'Last event of each organization''s invoice log; its row lock orders the organization''s events.';

-- The text an event's hash covers: PostgreSQL's jsonb output (keys sorted,
-- no insignificant whitespace) of the event, its time in UTC so the session
-- TimeZone cannot change it. Changing this function changes every hash.
create function private.invoice_log_canonical(p_event public.invoice_log) returns text
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'format', 1,
    'org_id', p_event.org_id,
    'seq', p_event.seq,
    'event', p_event.event,
    'invoice_id', p_event.invoice_id,
    'payment_id', p_event.payment_id,
    'occurred_at', pg_catalog.to_char(p_event.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'data', p_event.data)::text
$$;
revoke all on function private.invoice_log_canonical(public.invoice_log) from public;

create function private.invoice_log_hash(p_prev_hash text, p_event public.invoice_log) returns text
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
           coalesce(p_prev_hash, '') || private.invoice_log_canonical(p_event), 'UTF8')), 'hex')
$$;
revoke all on function private.invoice_log_hash(text, public.invoice_log) from public;

-- Appends one event under the organization's head lock.
create function private.append_invoice_log(p_org_id uuid, p_event text, p_invoice_id uuid, p_payment_id uuid, p_data jsonb)
  returns bigint
  language plpgsql
  set search_path = ''
as $$
declare
  v_head  private.invoice_log_heads;
  v_event public.invoice_log;
begin
  insert into private.invoice_log_heads (org_id) values (p_org_id) on conflict (org_id) do nothing;
  select * into v_head from private.invoice_log_heads h where h.org_id = p_org_id for update;
  v_event.org_id := p_org_id;
  v_event.seq := v_head.last_seq + 1;
  v_event.event := p_event;
  v_event.invoice_id := p_invoice_id;
  v_event.payment_id := p_payment_id;
  -- Clock time under the lock: event times follow the sequence.
  v_event.occurred_at := pg_catalog.clock_timestamp();
  v_event.data := pg_catalog.jsonb_strip_nulls(p_data);
  v_event.prev_hash := v_head.last_hash;
  v_event.hash := private.invoice_log_hash(v_head.last_hash, v_event);
  insert into public.invoice_log select v_event.*;
  update private.invoice_log_heads h set last_seq = v_event.seq, last_hash = v_event.hash, updated_at = now()
  where h.org_id = p_org_id;
  return v_event.seq;
end;
$$;
revoke all on function private.append_invoice_log(uuid, text, uuid, uuid, jsonb) from public;

-- AFTER UPDATE on invoices: one event per legally relevant change, in the
-- order they happen within the update.
create function private.log_invoice_events() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
begin
  if old.status = 'draft' and new.status = 'issued' then
    perform private.append_invoice_log(new.org_id,
      case new.kind when 'credit_note' then 'credit_note_issued' else 'issued' end, new.id, null,
      pg_catalog.jsonb_build_object(
        'number', new.number, 'kind', new.kind, 'status', new.status, 'client_id', new.client_id,
        'credited_invoice_id', new.credited_invoice_id, 'issue_date', new.issue_date,
        'total_ht_cents', new.total_ht_cents, 'total_vat_cents', new.total_vat_cents,
        'row_hash', new.row_hash, 'notes', new.notes));
  end if;
  if old.pdf_sha256 is null and new.pdf_sha256 is not null then
    perform private.append_invoice_log(new.org_id, 'pdf_hashed', new.id, null,
      pg_catalog.jsonb_build_object('number', new.number, 'pdf_sha256', new.pdf_sha256));
  end if;
  if old.sent_at is null and new.sent_at is not null then
    perform private.append_invoice_log(new.org_id, 'sent', new.id, null,
      pg_catalog.jsonb_build_object('number', new.number, 'status', new.status,
        'sent_at', pg_catalog.to_char(new.sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
  end if;
  if new.status in ('partially_paid', 'paid') and new.status <> old.status then
    perform private.append_invoice_log(new.org_id, 'payment_status', new.id, null,
      pg_catalog.jsonb_build_object('number', new.number, 'status', new.status,
        'paid_at', pg_catalog.to_char(new.paid_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
  end if;
  return null;
end;
$$;
revoke all on function private.log_invoice_events() from public;
create trigger invoices_60_log after update on public.invoices
  for each row when (old.status is distinct from new.status or old.pdf_sha256 is distinct from new.pdf_sha256
                     or old.sent_at is distinct from new.sent_at)
  execute function private.log_invoice_events();

-- AFTER INSERT OR UPDATE on payments: received (matched or not), matched later.
create function private.log_payment_events() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
declare
  v_number text;
begin
  select i.number into v_number from public.invoices i where i.org_id = new.org_id and i.id = new.invoice_id;
  perform private.append_invoice_log(new.org_id,
    case tg_op when 'INSERT' then 'payment_received' else 'payment_matched' end, new.invoice_id, new.id,
    pg_catalog.jsonb_build_object('invoice_number', v_number, 'amount_cents', new.amount_cents,
      'method', new.method, 'paid_on', new.paid_on, 'external_ref', new.external_ref));
  return null;
end;
$$;
revoke all on function private.log_payment_events() from public;
create trigger payments_60_log_insert after insert on public.payments
  for each row execute function private.log_payment_events();
create trigger payments_60_log_match after update of invoice_id on public.payments
  for each row when (old.invoice_id is null and new.invoice_id is not null)
  execute function private.log_payment_events();

-- Append-only (a superuser who disables triggers is caught by verify_invoice_log).
create function private.refuse_invoice_log_change() returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  perform private.raise_api_error('append_only',
    pg_catalog.format('The invoice log is append-only (%s refused)', tg_op));
  return null; -- not reached: raise_api_error never returns
end;
$$;
revoke all on function private.refuse_invoice_log_change() from public;
create trigger invoice_log_10_append_only before update or delete on public.invoice_log
  for each row execute function private.refuse_invoice_log_change();
create trigger invoice_log_11_no_truncate before truncate on public.invoice_log
  for each statement execute function private.refuse_invoice_log_change();

alter table public.invoice_log enable row level security;
create policy invoice_log_select on public.invoice_log for select to authenticated using (
  org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[]));
grant select on table public.invoice_log to authenticated, service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.invoice_log', 'owner', 'select', 'org', 'Appended by the database as invoicing events happen; never written through the API.'),
  ('public.invoice_log', 'admin', 'select', 'org', 'Appended by the database as invoicing events happen; never written through the API.'),
  ('public.invoice_log', 'accountant', 'select', 'org', 'Appended by the database as invoicing events happen; never written through the API.');

-- The current head, to be kept outside the database (printed, signed, sent to
-- an auditor). seq 0 and a null hash: no event yet.
create function public.invoice_log_head(p_org_id uuid) returns table (seq bigint, head text, updated_at timestamptz)
  language plpgsql stable security definer
  set search_path = ''
as $$
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'invoice_log_head', pg_catalog.format('Organization %s', p_org_id));
  return query
  select coalesce(h.last_seq, 0), h.last_hash, h.updated_at
  from (select 1) as one
  left join private.invoice_log_heads h on h.org_id = p_org_id;
end;
$$;
comment on function public.invoice_log_head(uuid) is
  'RPC (owner, admin, accountant): the invoice log''s current head hash and sequence number, to export outside the database for verify_invoice_log().';
revoke all on function public.invoice_log_head(uuid) from public;
grant execute on function public.invoice_log_head(uuid) to authenticated, service_role;

-- Recomputes the organization's log from its first event and checks it
-- against a head exported earlier (p_expected_head at p_expected_seq). One row:
-- ok, how many events were checked, and for the first problem its sequence
-- number and the reason:
--   * an event is missing or out of place (deleted, reordered);
--   * an event does not match its hash, or its link to the previous one was
--     rewritten (edited without recomputing);
--   * the recomputed history at p_expected_seq differs from the exported head
--     (rewritten and every hash recomputed inside the database);
--   * the log is shorter than the exported head (the latest events removed);
--   * the head table disagrees with the log.
create function public.verify_invoice_log(p_org_id uuid, p_expected_head text, p_expected_seq bigint)
  returns table (ok boolean, checked bigint, seq bigint, reason text)
  language plpgsql stable security definer
  set search_path = ''
as $$
declare
  r          public.invoice_log;
  v_prev     text;
  v_hash     text;
  v_expected bigint := 1;
  v_head     private.invoice_log_heads;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'verify_invoice_log', pg_catalog.format('Organization %s', p_org_id));
  if p_expected_seq is null or p_expected_seq < 0 then
    perform private.raise_api_error('invalid_parameter', 'expected_seq must be the exported sequence number (0 or more)');
  end if;
  if (p_expected_seq = 0) <> (p_expected_head is null)
     or (p_expected_head is not null and p_expected_head !~ '^[0-9a-f]{64}$') then
    perform private.raise_api_error('invalid_parameter',
      'expected_head must be the exported head: 64 lowercase hexadecimal characters (none for sequence 0)');
  end if;

  for r in select * from public.invoice_log l where l.org_id = p_org_id order by l.seq loop
    if r.seq <> v_expected then
      return query select false, v_expected - 1, v_expected,
        pg_catalog.format('event %s is missing or out of place (found %s): the log was cut or reordered', v_expected, r.seq);
      return;
    end if;
    if r.prev_hash is distinct from v_prev then
      return query select false, v_expected - 1, r.seq,
        pg_catalog.format('event %s does not link to the recomputed hash of event %s: the history before it was rewritten', r.seq, r.seq - 1);
      return;
    end if;
    v_hash := private.invoice_log_hash(v_prev, r);
    if r.hash <> v_hash then
      return query select false, v_expected - 1, r.seq,
        pg_catalog.format('event %s does not match its hash: it was edited', r.seq);
      return;
    end if;
    if r.seq = p_expected_seq and v_hash <> p_expected_head then
      return query select false, v_expected, r.seq,
        pg_catalog.format('the history up to event %s differs from the exported head: it was rewritten and its hashes recomputed', r.seq);
      return;
    end if;
    v_prev := v_hash;
    v_expected := v_expected + 1;
  end loop;

  if v_expected - 1 < p_expected_seq then
    return query select false, v_expected - 1, v_expected,
      pg_catalog.format('the log ends at event %s but the exported head is at event %s: events were removed', v_expected - 1, p_expected_seq);
    return;
  end if;
  select * into v_head from private.invoice_log_heads h where h.org_id = p_org_id;
  if coalesce(v_head.last_seq, 0) <> v_expected - 1 or v_head.last_hash is distinct from v_prev then
    return query select false, v_expected - 1, coalesce(v_head.last_seq, 0),
      pg_catalog.format('the head records %s events ending with %s, the log has %s: the head or the latest events were changed',
                        coalesce(v_head.last_seq, 0), coalesce(v_head.last_hash, 'none'), v_expected - 1);
    return;
  end if;
  return query select true, v_expected - 1, null::bigint, null::text;
end;
$$;
comment on function public.verify_invoice_log(uuid, text, bigint) is
  'RPC (owner, admin, accountant): recomputes the invoice log and checks it against a head exported earlier; detects edited, deleted and reordered events and a history rewritten with every hash recomputed.';
revoke all on function public.verify_invoice_log(uuid, text, bigint) from public;
grant execute on function public.verify_invoice_log(uuid, text, bigint) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.invoice_log_head(uuid)',
   'private.authorize_invoicing checks the caller is an owner, admin or accountant of the organization; definer to read private.invoice_log_heads.'),
  ('authenticated_security_definer_function_executable', 'public.verify_invoice_log(uuid,text,bigint)',
   'private.authorize_invoicing checks the caller is an owner, admin or accountant of the organization; definer to read the whole log and its private head.');

insert into audit.unaudited_tables (table_name, why) values
  ('public.invoice_log', 'Append-only, hash-chained record of invoicing events, itself the evidence; its rows never change, so an audit row would only copy it.');
