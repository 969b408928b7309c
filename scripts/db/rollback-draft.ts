/**
 * `npm run db:rollback:draft -- <migration file>… [--overwrite]`: applies new
 * migrations to the dev database (or TERRAIN_DB_URL) one at a time, as `npm run
 * db:migrate` would, and drafts each one's down file from what it actually did
 * to the catalog, for a human to read, complete and commit
 * (docs/conventions.md § Reversible migrations). The named migrations must be
 * the next pending ones, in order.
 *
 * Before and after each migration it reads the catalog and writes:
 *   - pg_cron jobs it scheduled: unscheduled; jobs it changed: restored;
 *   - rows it inserted into, deleted from or changed in tables that existed
 *     before: undone by primary key;
 *   - triggers, policies, constraints, indexes and columns it added to
 *     existing tables: dropped; those it replaced: put back as they were;
 *   - objects it created (tables, views, sequences, types, functions, schemas,
 *     extensions): dropped, dependents first (pg_depend), without cascade;
 *   - functions and views it replaced, columns it altered (null-ness,
 *     default), grants and comments it changed: restored as they were.
 * What it cannot restore it prints as a warning. The proof that a down file
 * is exact is not this tool but scripts/db/rollback.test.ts, which compares
 * whole-database snapshots before each migration and after its down file.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { databaseUrl } from "../docs/generated-file.ts";
import { describeSqlError, listMigrations } from "../stack/db/migrate.ts";
import { ROLLBACKS_DIR, downFileName } from "./rollback.ts";

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')`;
const NOT_EXTENSION_MEMBER = (cls: string, oid: string) =>
  `not exists (select from pg_catalog.pg_depend d where d.classid = '${cls}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;

interface TopObject {
  kind: string;
  /** `<catalog>:<oid>`, as the dependency edges name it. */
  id: string;
  oid: number;
  ident: string;
}
interface Keyed {
  key: string;
  table: string;
  oid: number;
  def: string;
}
interface State {
  top: Map<string, TopObject>;
  functions: Map<string, string>;
  views: Map<string, string>;
  sub: Map<string, Keyed>;
  columns: Map<string, Keyed>;
  acl: Map<string, { target: string; grant: string; revoke: string; acl: string }>;
  comments: Map<string, { target: string; text: string }>;
  rows: Map<string, Map<string, unknown>>;
  pkeys: Map<string, string[]>;
  cron: Map<string, { schedule: string; command: string; active: boolean }>;
  /** `type identity` (pg_identify_object) of every object a comment can be on. */
  identities: Set<string>;
  /** Dependencies between top-level objects (`dependent id` → `referenced ids`), from pg_depend. */
  dependsOn: Map<string, Set<string>>;
}

async function q<T extends pg.QueryResultRow>(c: pg.Client, sql: string): Promise<T[]> {
  return (await c.query<T>(sql)).rows;
}

export async function readState(c: pg.Client): Promise<State> {
  // Names come out schema-qualified (regclass, regtype) with an empty search_path.
  const { rows: saved } = await c.query<{ path: string }>("select pg_catalog.current_setting('search_path') as path");
  await c.query("select pg_catalog.set_config('search_path', '', false)");
  try {
    return await readStateQualified(c);
  } finally {
    await c.query("select pg_catalog.set_config('search_path', $1, false)", [saved[0]!.path]);
  }
}

async function readStateQualified(c: pg.Client): Promise<State> {
  const top = new Map<string, TopObject>();
  const add = (rows: TopObject[]) => rows.forEach((r) => top.set(`${r.kind} ${r.ident}`, r));
  add(await q(c, `select 'schema' kind, 'pg_namespace:' || n.oid id, n.oid::int oid, pg_catalog.quote_ident(n.nspname) ident from pg_catalog.pg_namespace n
    where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%' and ${NOT_EXTENSION_MEMBER("pg_namespace", "n.oid")}`));
  add(await q(c, `select 'extension' kind, 'pg_extension:' || e.oid id, e.oid::int oid, pg_catalog.quote_ident(e.extname) ident from pg_catalog.pg_extension e where e.extname <> 'plpgsql'`));
  add(await q(c, `select case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' else 'table' end kind,
      'pg_class:' || c.oid id, c.oid::int oid, c.oid::regclass::text ident
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
      and ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}
      and not (c.relkind = 'S' and exists (select from pg_catalog.pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))`));
  add(await q(c, `select case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end kind, 'pg_proc:' || p.oid id, p.oid::int oid,
      pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) ident
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%' and ${NOT_EXTENSION_MEMBER("pg_proc", "p.oid")}`));
  add(await q(c, `select case t.typtype when 'd' then 'domain' else 'type' end kind, 'pg_type:' || t.oid id, t.oid::int oid, t.oid::regtype::text ident
    from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%' and ${NOT_EXTENSION_MEMBER("pg_type", "t.oid")}
      and (t.typtype in ('e', 'd', 'r') or (t.typtype = 'c' and (select relkind from pg_catalog.pg_class where oid = t.typrelid) = 'c'))`));

  const functions = new Map(
    (await q<{ ident: string; def: string }>(c, `select pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) ident,
        pg_catalog.pg_get_functiondef(p.oid) def
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where p.prokind in ('f', 'p') and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%' and ${NOT_EXTENSION_MEMBER("pg_proc", "p.oid")}`)).map((r) => [r.ident, r.def]),
  );
  const views = new Map(
    (await q<{ ident: string; def: string }>(c, `select c.oid::regclass::text ident,
        pg_catalog.pg_get_viewdef(c.oid) || '--columns:' || (select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum) from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0) def
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'v' and n.nspname not in ${SYSTEM_SCHEMAS} and ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}`)).map((r) => [r.ident, r.def]),
  );

  const sub = new Map<string, Keyed>();
  const addSub = (rows: Keyed[]) => rows.forEach((r) => sub.set(r.key, r));
  addSub(await q(c, `select 'trigger ' || pg_catalog.quote_ident(t.tgname) || ' on ' || t.tgrelid::regclass::text key, t.tgrelid::regclass::text "table", t.oid::int oid,
      pg_catalog.pg_get_triggerdef(t.oid) def from pg_catalog.pg_trigger t where not t.tgisinternal`));
  addSub(await q(c, `select 'policy ' || pg_catalog.quote_ident(p.polname) || ' on ' || p.polrelid::regclass::text key, p.polrelid::regclass::text "table", p.oid::int oid,
      pg_catalog.format('create policy %I on %s as %s for %s to %s%s%s', p.polname, p.polrelid::regclass,
        case when p.polpermissive then 'permissive' else 'restrictive' end,
        case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
        (select pg_catalog.string_agg(case when r = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) end, ', ') from unnest(p.polroles) r),
        ' using (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')',
        ' with check (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')') def
      from pg_catalog.pg_policy p`));
  addSub(await q(c, `select 'constraint ' || pg_catalog.quote_ident(k.conname) || ' on ' || k.conrelid::regclass::text key, k.conrelid::regclass::text "table", k.oid::int oid,
      pg_catalog.pg_get_constraintdef(k.oid) def from pg_catalog.pg_constraint k join pg_catalog.pg_namespace n on n.oid = k.connamespace
      where k.conrelid <> 0 and k.contype <> 't' and n.nspname not in ${SYSTEM_SCHEMAS}`));
  addSub(await q(c, `select 'index ' || i.indexrelid::regclass::text key, i.indrelid::regclass::text "table", i.indexrelid::int oid,
      pg_catalog.pg_get_indexdef(i.indexrelid) def from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
        and not exists (select from pg_catalog.pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))`));
  const columns = new Map(
    (await q<Keyed>(c, `select a.attrelid::regclass::text || '.' || pg_catalog.quote_ident(a.attname) key, a.attrelid::regclass::text "table", a.attnum oid,
        pg_catalog.format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
          || coalesce(' default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') def
      from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p') and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
        and ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}`)).map((r) => [r.key, r]),
  );

  // Grants, as the GRANT/REVOKE statements that rebuild them (aclexplode).
  const acl = new Map<string, { target: string; grant: string; revoke: string; acl: string }>();
  const aclRows = await q<{ key: string; target: string; acl: string | null; grants: string | null; grantees: string | null }>(c, `
    with objs as (
      select 'table ' || c.oid::regclass::text key, 'table ' || c.oid::regclass::text target, c.relacl acl, c.relowner owner
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
      union all
      select 'function ' || pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
             case p.prokind when 'p' then 'procedure ' else 'function ' end || pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
             p.proacl, p.proowner
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
      union all
      select 'schema ' || pg_catalog.quote_ident(n.nspname), 'schema ' || pg_catalog.quote_ident(n.nspname), n.nspacl, n.nspowner
        from pg_catalog.pg_namespace n where n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%'
    )
    select o.key, o.target, o.acl::text acl,
           (select pg_catalog.string_agg(pg_catalog.format('grant %s on %s to %s;', x.privilege_type, o.target,
                      case when x.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) end), E'\\n' order by x.grantee, x.privilege_type)
              from pg_catalog.aclexplode(o.acl) x where x.grantee <> o.owner) grants,
           (select pg_catalog.string_agg(distinct case when x.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) end, ', ')
              from pg_catalog.aclexplode(o.acl) x where x.grantee <> o.owner) grantees
      from objs o`);
  for (const r of aclRows) acl.set(r.key, { target: r.target, grant: r.grants ?? "", revoke: r.grantees ?? "", acl: r.acl ?? "" });

  const comments = new Map<string, { target: string; text: string }>();
  for (const r of await q<{ type: string; identity: string; description: string }>(c, `
      select o.type, o.identity, d.description from pg_catalog.pg_description d,
             lateral pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) o
       where o.schema is null or (o.schema not in ${SYSTEM_SCHEMAS} and o.schema not like 'pg\\_%')`)) {
    const type = r.type === "table column" ? "column" : r.type;
    if (["table constraint"].includes(type)) continue;
    comments.set(`${type} ${r.identity}`, { target: `${type} ${r.identity}`, text: r.description });
  }
  // Role comments live in pg_shdescription and survive everything: not compared.

  // Rows of every table with a primary key (the migrations' seeded configuration).
  const pkeys = new Map<string, string[]>();
  const rows = new Map<string, Map<string, unknown>>();
  for (const t of await q<{ tbl: string; cols: string[] }>(c, `
      select c.oid::regclass::text tbl, array_agg(pg_catalog.quote_ident(a.attname) order by array_position(i.indkey::int2[], a.attnum)) cols
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        join pg_catalog.pg_index i on i.indrelid = c.oid and i.indisprimary
        join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = any (i.indkey)
       where c.relkind in ('r', 'p') and n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_%' and n.nspname <> 'cron'
       group by c.oid`)) {
    pkeys.set(t.tbl, t.cols);
    const data = await q<{ k: string; r: unknown }>(c, `select to_jsonb(row(${t.cols.join(", ")}))::text k, to_jsonb(t) r from ${t.tbl} t`);
    rows.set(t.tbl, new Map(data.map((d) => [d.k, d.r])));
  }
  const cron = new Map(
    (await q<{ jobname: string; schedule: string; command: string; active: boolean }>(c, "select jobname, schedule, command, active from cron.job where jobname is not null").catch(() => [])).map(
      (r) => [r.jobname, { schedule: r.schedule, command: r.command, active: r.active }],
    ),
  );
  const identities = new Set(
    (await q<{ k: string }>(c, `
      select case o.type when 'table column' then 'column' else o.type end || ' ' || o.identity k
        from (select 'pg_class'::regclass cls, oid, 0 sub from pg_catalog.pg_class
              union all select 'pg_proc'::regclass, oid, 0 from pg_catalog.pg_proc
              union all select 'pg_namespace'::regclass, oid, 0 from pg_catalog.pg_namespace
              union all select 'pg_type'::regclass, oid, 0 from pg_catalog.pg_type
              union all select 'pg_trigger'::regclass, oid, 0 from pg_catalog.pg_trigger
              union all select 'pg_policy'::regclass, oid, 0 from pg_catalog.pg_policy
              union all select 'pg_extension'::regclass, oid, 0 from pg_catalog.pg_extension
              union all select 'pg_class'::regclass, attrelid, attnum from pg_catalog.pg_attribute where attnum > 0 and not attisdropped) x,
             lateral pg_catalog.pg_identify_object(x.cls, x.oid, x.sub) o`)).map((r) => r.k),
  );
  // Any object is counted as the top-level object a drop takes it with:
  // an index, trigger, policy, constraint, default or rule as its table; a
  // table's row type as the table; an array type as its element type.
  await c.query(`
    create or replace function pg_temp.top_object(cls oid, obj oid) returns text language sql stable as $fn$
      select case cls
        when 'pg_class'::regclass then (
          select case when c.relkind = 'c' then 'pg_type:' || c.reltype
                      else 'pg_class:' || coalesce((select i.indrelid from pg_catalog.pg_index i where i.indexrelid = obj), obj) end
            from pg_catalog.pg_class c where c.oid = obj)
        when 'pg_type'::regclass then (
          select case when t.typrelid <> 0 and (select relkind from pg_catalog.pg_class where oid = t.typrelid) <> 'c' then 'pg_class:' || t.typrelid
                      when t.typcategory = 'A' and t.typelem <> 0 then 'pg_type:' || t.typelem
                      else 'pg_type:' || t.oid end
            from pg_catalog.pg_type t where t.oid = obj)
        when 'pg_trigger'::regclass then (select 'pg_class:' || tgrelid from pg_catalog.pg_trigger where oid = obj)
        when 'pg_policy'::regclass then (select 'pg_class:' || polrelid from pg_catalog.pg_policy where oid = obj)
        when 'pg_constraint'::regclass then (select case when conrelid <> 0 then 'pg_class:' || conrelid else 'pg_type:' || contypid end from pg_catalog.pg_constraint where oid = obj)
        when 'pg_attrdef'::regclass then (select 'pg_class:' || adrelid from pg_catalog.pg_attrdef where oid = obj)
        when 'pg_rewrite'::regclass then (select 'pg_class:' || ev_class from pg_catalog.pg_rewrite where oid = obj)
        else (select c.relname from pg_catalog.pg_class c where c.oid = cls) || ':' || obj end
    $fn$`);
  const dependsOn = new Map<string, Set<string>>();
  for (const r of await q<{ dep: string; ref: string }>(c, `
      select distinct pg_temp.top_object(d.classid, d.objid) dep, pg_temp.top_object(d.refclassid, d.refobjid) ref
        from pg_catalog.pg_depend d where d.deptype = 'n' and d.objid >= 16384`)) {
    if (!r.dep || !r.ref || r.dep === r.ref) continue;
    if (!dependsOn.has(r.dep)) dependsOn.set(r.dep, new Set());
    dependsOn.get(r.dep)!.add(r.ref);
  }
  return { top, functions, views, sub, columns, acl, comments, rows, pkeys, cron, identities, dependsOn };
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const subDrop = (k: Keyed) => {
  const [kind, ...rest] = k.key.split(" ");
  const name = rest.join(" ");
  if (kind === "constraint") return `alter table ${k.table} drop constraint ${name.split(" on ")[0]};`;
  if (kind === "index") return `drop index ${name};`;
  return `drop ${kind} ${name};`;
};
const subCreate = (k: Keyed) => {
  const kind = k.key.split(" ")[0];
  if (kind === "constraint") return `alter table ${k.table} add constraint ${k.key.split(" ")[1]} ${k.def};`;
  return `${k.def};`;
};

export function draftDown(before: State, after: State, file: string): { sql: string; warnings: string[] } {
  const out: string[] = [];
  const warnings: string[] = [];
  const section = (title: string, lines: string[]) => {
    if (lines.length) out.push(`-- ${title}`, ...lines, "");
  };
  const newTop = [...after.top.values()].filter((o) => !before.top.has(`${o.kind} ${o.ident}`));
  for (const o of before.top.values()) if (!after.top.has(`${o.kind} ${o.ident}`)) warnings.push(`dropped by the migration, not restored: ${o.kind} ${o.ident}`);
  const newTables = new Set(newTop.filter((o) => ["table", "view", "materialized view"].includes(o.kind)).map((o) => o.ident));
  const oldTable = (t: string) => !newTables.has(t) && before.top.has(`table ${t}`);

  // pg_cron jobs.
  const cronLines: string[] = [];
  for (const [name] of after.cron) if (!before.cron.has(name)) cronLines.push(`select cron.unschedule(${lit(name)});`);
  for (const [name, j] of before.cron) {
    const now = after.cron.get(name);
    if (!now || now.schedule !== j.schedule || now.command !== j.command) cronLines.push(`select cron.schedule(${lit(name)}, ${lit(j.schedule)}, ${lit(j.command)});`);
  }
  section("pg_cron jobs the migration scheduled", cronLines);

  // Rows of tables that existed before.
  const dataLines: string[] = [];
  for (const [tbl, rowsAfter] of after.rows) {
    const rowsBefore = before.rows.get(tbl);
    if (!rowsBefore || !oldTable(tbl)) continue;
    const cols = before.pkeys.get(tbl)!;
    const where = (k: string) => {
      const vals = JSON.parse(k) as Record<string, unknown>;
      return cols.map((c, i) => `${c} = ${lit(String(Object.values(vals)[i]))}`).join(" and ");
    };
    for (const [k] of rowsAfter) if (!rowsBefore.has(k)) dataLines.push(`delete from ${tbl} where ${where(k)};`);
    for (const [k, r] of rowsBefore) {
      const now = rowsAfter.get(k);
      if (!now) dataLines.push(`insert into ${tbl} select * from jsonb_populate_record(null::${tbl}, ${lit(JSON.stringify(r))});`);
      else if (JSON.stringify(now) !== JSON.stringify(r)) {
        const changed = Object.keys(r as object).filter((c) => JSON.stringify((r as Record<string, unknown>)[c]) !== JSON.stringify((now as Record<string, unknown>)[c]));
        dataLines.push(
          `update ${tbl} t set (${changed.map((c) => pg.escapeIdentifier(c)).join(", ")}) = (select ${changed.map((c) => "o." + pg.escapeIdentifier(c)).join(", ")} from jsonb_populate_record(null::${tbl}, ${lit(JSON.stringify(r))}) o) where ${where(k).replaceAll(/^|and /g, (m) => m + "t.")};`,
        );
      }
    }
  }
  section("rows it wrote into tables that existed before it", dataLines);

  // Sub-objects on tables that existed before.
  const subDrops: Keyed[] = [];
  const subCreates: Keyed[] = [];
  for (const [key, k] of after.sub) {
    if (!oldTable(k.table)) continue;
    const was = before.sub.get(key);
    if (!was || was.def !== k.def) subDrops.push(k);
  }
  for (const [key, k] of before.sub) {
    if (!after.top.has(`table ${k.table}`) && !after.top.has(`view ${k.table}`)) continue;
    const now = after.sub.get(key);
    if (!now || now.def !== k.def) subCreates.push(k);
  }
  section("triggers, policies, constraints and indexes it added to existing tables", subDrops.sort((a, b) => b.oid - a.oid).map(subDrop));
  const colDrops = [...after.columns.values()].filter((k) => oldTable(k.table) && !before.columns.has(k.key));
  section("columns it added to existing tables", colDrops.map((k) => `alter table ${k.table} drop column ${k.key.slice(k.table.length + 1)};`));
  const colChanges: string[] = [];
  for (const [key, k] of before.columns) {
    const now = after.columns.get(key);
    if (!now || now.def === k.def) continue;
    const column = `alter table ${k.table} alter column ${key.slice(k.table.length + 1)}`;
    const strip = (d: string) => d.replace(/ default .*$/s, "").replace(/ not null$/, "");
    if (strip(now.def) !== strip(k.def)) warnings.push(`column type changed, restore by hand: ${key}: ${k.def} → ${now.def}`);
    if (k.def.includes(" not null") !== now.def.includes(" not null")) colChanges.push(`${column} ${k.def.includes(" not null") ? "set" : "drop"} not null;`);
    const dflt = (d: string) => / default (.*)$/s.exec(d)?.[1];
    if (dflt(k.def) !== dflt(now.def)) colChanges.push(dflt(k.def) ? `${column} set default ${dflt(k.def)};` : `${column} drop default;`);
  }

  // Objects it created, newest first.
  // Dependents before what they depend on (pg_depend: a function returning a
  // table's rows before the table, a view before what it reads, everything
  // before its schema), then by kind, newest first. No cascade: a drop that
  // would take anything else with it fails instead.
  const dropOrder = ["view", "materialized view", "table", "function", "procedure", "aggregate", "sequence", "domain", "type", "schema", "extension"];
  const pending = [...newTop].sort((a, b) => dropOrder.indexOf(a.kind) - dropOrder.indexOf(b.kind) || b.oid - a.oid);
  const ordered: TopObject[] = [];
  while (pending.length) {
    const free = pending.find((o) => !pending.some((other) => other !== o && after.dependsOn.get(other.id)?.has(o.id)));
    if (!free) {
      warnings.push(`dependency cycle among ${pending.map((o) => o.ident).join(", ")}: ordered by kind`);
      ordered.push(...pending.splice(0));
      break;
    }
    ordered.push(free);
    pending.splice(pending.indexOf(free), 1);
  }
  section("objects it created, dependents first", ordered.map((o) => `drop ${o.kind} ${o.ident};`));

  // Replaced definitions.
  const defs: string[] = [];
  for (const [ident, def] of before.functions) {
    const now = after.functions.get(ident);
    if (now && now !== def) defs.push(def.trimEnd() + ";", "");
  }
  for (const [ident, full] of before.views) {
    const now = after.views.get(ident);
    if (!now || now === full) continue;
    const [def, cols] = full.split("--columns:") as [string, string];
    if (now.split("--columns:")[1] === cols) {
      defs.push(`create or replace view ${ident} as\n${def.trimEnd()}`, "");
    } else {
      // Its columns changed: create or replace cannot take columns away. Recreate it with its grants and comment.
      defs.push(`drop view ${ident};`, `create view ${ident} as\n${def.trimEnd()}`);
      const grants = before.acl.get(`table ${ident}`)?.grant;
      if (grants) defs.push(grants);
      const comment = before.comments.get(`view ${ident}`);
      if (comment) defs.push(`comment on view ${ident} is ${lit(comment.text)};`);
      defs.push("");
    }
  }
  section("definitions it replaced, as they were", defs);
  section("columns it changed, as they were", colChanges);
  section("triggers, policies, constraints and indexes it replaced, as they were", subCreates.sort((a, b) => a.oid - b.oid).map(subCreate));

  // Grants and comments on objects that existed before.
  const aclLines: string[] = [];
  for (const [key, a] of before.acl) {
    const now = after.acl.get(key);
    if (!now || now.acl === a.acl) continue;
    const grantees = [...new Set([...a.revoke.split(", "), ...now.revoke.split(", ")].filter(Boolean))];
    if (grantees.length) aclLines.push(`revoke all on ${a.target} from ${grantees.join(", ")};`);
    if (a.grant) aclLines.push(a.grant);
    if (!a.acl || !now.acl) warnings.push(`default privileges changed on ${key}: check by hand (${a.acl || "default"} → ${now.acl || "default"})`);
  }
  section("grants it changed on existing objects", aclLines);
  const commentLines: string[] = [];
  for (const [key, cm] of before.comments) {
    if (after.comments.get(key)?.text !== cm.text && after.identities.has(key)) commentLines.push(`comment on ${cm.target} is ${lit(cm.text)};`);
  }
  for (const [key, cm] of after.comments) {
    if (!before.comments.has(key) && before.identities.has(key)) commentLines.push(`comment on ${cm.target} is null;`);
  }
  section("comments it changed on existing objects", commentLines);
  return { sql: out.join("\n"), warnings: warnings.map((w) => `${file}: ${w}`) };
}

export const DOWN_FILE_HEADER = (migration: string) => `-- Down file of supabase/migrations/${migration}: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by \`npm run db:rollback:draft\` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.
`;

async function main() {
  const args = process.argv.slice(2);
  const overwrite = args.includes("--overwrite");
  const names = args.filter((a) => a !== "--overwrite");
  const migrations = listMigrations();
  const c = new pg.Client({ connectionString: databaseUrl() });
  await c.connect();
  try {
    const applied = new Set((await c.query<{ version: string }>("select version from supabase_migrations.schema_migrations")).rows.map((r) => r.version));
    const pending = migrations.filter((m) => !applied.has(m.version)).map((m) => `${m.version}_${m.name}.sql`);
    if (!names.length || names.some((n, i) => pending[i] !== n)) {
      throw new Error(`Name the next pending migrations, in order: ${pending.join(" ") || "(none pending)"}`);
    }
    for (const name of names) {
      const out = join(ROLLBACKS_DIR, downFileName(name));
      if (existsSync(out) && !overwrite) throw new Error(`${out} exists (--overwrite to replace it)`);
      const m = migrations.find((f) => `${f.version}_${f.name}.sql` === name)!;
      const before = await readState(c);
      await c.query("begin");
      try {
        await c.query(m.sql);
        await c.query("insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)", [m.version, [m.sql], m.name]);
        await c.query("insert into supabase_migrations.local_migration_checksums (version, sha256) values ($1, $2)", [m.version, m.sha256]);
        await c.query("commit");
      } catch (err) {
        await c.query("rollback");
        throw describeSqlError(err, m.path, m.sql);
      }
      const { sql, warnings } = draftDown(before, await readState(c), name);
      writeFileSync(out, `${DOWN_FILE_HEADER(name)}\n${sql}`);
      for (const w of warnings) console.warn(`⚠ ${w}`);
      console.log(`Applied ${name}; drafted supabase/rollbacks/${downFileName(name)}`);
    }
  } finally {
    await c.end();
  }
}

if (process.argv[1]?.endsWith("rollback-draft.ts")) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
