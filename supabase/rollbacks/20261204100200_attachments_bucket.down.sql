-- DRAFT down file of 20261204100200_attachments_bucket.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from storage.buckets where id = 'attachments';
set local session_replication_role = origin;

-- triggers, policies, constraints and indexes it added to existing tables
drop policy attachments_objects_select on storage.objects;
