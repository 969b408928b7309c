-- audit.utc_iso and audit.csv_field now run with search_path = '' (see
-- docs/data-integrity.md), so lint 0011 no longer reports them; the lint test
-- refuses allow-list entries that no longer match a finding.
delete from ops.lint_allowlist
where rule = 'function_search_path_mutable'
  and object in ('audit.utc_iso(timestamp with time zone)', 'audit.csv_field(text)');
