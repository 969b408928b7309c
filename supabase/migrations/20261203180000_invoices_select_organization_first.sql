-- invoices_select: the organization test first, as one indexable conjunct.
--
-- The policy was "staff of the organization OR (client user of the
-- organization AND the invoice's client AND not a draft)". Postgres cannot
-- turn an OR of array parameters into an index condition, so with the covering
-- index of unpaid invoices (invoices_unpaid_due_idx, leading column org_id) the
-- planner scanned every organization's unpaid invoices and filtered them: an
-- accountant listing unpaid invoices read 40,003 index entries to keep 400
-- (18 ms instead of 0.3 ms without RLS, at one million missions;
-- bench/results/plans/rls-accountant_unpaid_invoices.txt).
--
-- Both branches imply that org_id is one of the caller's organizations
-- (staff or client member), so "org_id = any(those)" is added as a conjunct:
-- it changes no answer (the pgTAP matrix suites 50–54 prove visibility) and
-- it is an index condition on every index that leads with org_id.
alter policy invoices_select on public.invoices
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,accountant,client}'::public.member_role[]))::uuid[])
    and (
      org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[])
      or (
        org_id = any ((select private.my_org_ids_as('{client}'::public.member_role[]))::uuid[])
        and client_id = any ((select private.my_client_ids())::uuid[])
        and status <> 'draft'::public.invoice_status
      )
    )
  );
