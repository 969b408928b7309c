-- Indexes behind two foreign keys added by issue 4 migrations (notifications,
-- rate limiting) that the lint (rule fk_without_index) found unsupported.
-- Kept apart from 20261123030200 so it can be dropped as a whole if the
-- owning migrations grow these indexes themselves.

-- notifications (org_id, user_id) → memberships ON DELETE CASCADE: removing a
-- member deletes their notifications of that organization. The existing
-- (user_id, created_at desc) index serves the inbox, not this key.
create index notifications_recipient_idx on public.notifications (org_id, user_id);

-- rate_limit_rpc_buckets (bucket) → rate_limit_presets: a preset cannot be
-- removed or renamed without checking the functions mapped to it.
create index rate_limit_rpc_buckets_bucket_idx on private.rate_limit_rpc_buckets (bucket);
