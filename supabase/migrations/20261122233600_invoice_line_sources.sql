-- =============================================================================
-- Keys between invoicing and the work it bills: invoice lines point at the
-- timesheet or stock item they come from, and an invoiced timesheet points at
-- its invoice (timesheets.invoice_id, created by the timesheets migration
-- without a key because invoices did not exist yet).
--
-- All composite with org_id: a line can never bill another organization's
-- hours or parts. No cascades: a billed timesheet or item cannot disappear
-- from under an invoice, and a draft invoice that timesheets were billed on
-- cannot be deleted while they point at it (bulk_invoice_missions marks them
-- invoiced; the draft is corrected, not discarded).
-- The supporting indexes exist already: invoice_lines_timesheet_idx and
-- invoice_lines_stock_item_idx (invoices migration), timesheets_invoice_idx
-- (timesheets migration).
-- =============================================================================

alter table public.invoice_lines
  add constraint invoice_lines_timesheet_fkey foreign key (org_id, timesheet_id) references public.timesheets (org_id, id),
  add constraint invoice_lines_stock_item_fkey foreign key (org_id, stock_item_id) references public.stock_items (org_id, id);

alter table public.timesheets
  add constraint timesheets_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id);
