-- Down file of supabase/migrations/20261205130200_organization_health_checks.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it (its org_column values go with the column)
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.organization_health_checks(uuid)';

-- columns it added to existing tables
alter table ops.health_check_catalog drop column org_column;

-- objects it created, dependents first
drop function public.organization_health_checks(p_org uuid);

-- definitions it replaced, as they were
drop view ops.check_stock_negative;
create view ops.check_stock_negative as
 SELECT to_jsonb(n.item_id) AS detail,
    row_number() OVER (ORDER BY n.item_id) AS sample_rank,
    n.item_id
   FROM public.stock_negative n;
grant SELECT on table ops.check_stock_negative to service_role;
comment on view ops.check_stock_negative is 'Health check stock_negative: the offending rows (see ops.health_check_catalog).';

drop view ops.check_credit_notes_invalid;
create view ops.check_credit_notes_invalid as
 WITH bad AS (
         SELECT cn.id,
            'no original invoice'::text AS reason
           FROM public.invoices cn
          WHERE ((cn.kind = 'credit_note'::public.invoice_kind) AND (NOT (EXISTS ( SELECT
                   FROM public.invoices o
                  WHERE ((o.org_id = cn.org_id) AND (o.client_id = cn.client_id) AND (o.id = cn.credited_invoice_id) AND (o.kind = 'invoice'::public.invoice_kind))))))
        UNION ALL
         SELECT cn.id,
            'credit notes exceed the invoice total'::text AS text
           FROM ((public.invoices cn
             JOIN ( SELECT c.org_id,
                    c.credited_invoice_id,
                    sum(c.total_ttc_cents) AS credited
                   FROM public.invoices c
                  WHERE ((c.kind = 'credit_note'::public.invoice_kind) AND (c.status <> 'draft'::public.invoice_status) AND (c.credited_invoice_id IS NOT NULL))
                  GROUP BY c.org_id, c.credited_invoice_id) agg ON (((agg.org_id = cn.org_id) AND (agg.credited_invoice_id = cn.credited_invoice_id))))
             JOIN public.invoices o ON (((o.org_id = agg.org_id) AND (o.id = agg.credited_invoice_id))))
          WHERE ((cn.kind = 'credit_note'::public.invoice_kind) AND (cn.status <> 'draft'::public.invoice_status) AND (agg.credited > (o.total_ttc_cents)::numeric))
        )
 SELECT jsonb_build_object('id', b.id, 'reason', b.reason) AS detail,
    row_number() OVER (ORDER BY b.id) AS sample_rank,
    b.id,
    b.reason
   FROM bad b;
grant SELECT on table ops.check_credit_notes_invalid to service_role;
comment on view ops.check_credit_notes_invalid is 'Health check credit_notes_invalid: the offending rows (see ops.health_check_catalog).';

