import type { EntityManager, EntityMetadata, EntityName, RequiredEntityData } from '@mikro-orm/mysql';

/** Statement text per entity, keyed by the inserted properties and the row count. */
const statements = new WeakMap<EntityMetadata, Map<string, string | null>>();

/**
 * The INSERT for `rows` rows of these properties, built once from the entity's metadata (table and
 * column names stay the entity's); null when a property needs the ORM's conversion (a custom or
 * JSON type), which plain parameters would skip.
 */
function insertStatement(meta: EntityMetadata, keys: string[], rowCount: number): string | null {
  let byShape = statements.get(meta);
  if (!byShape) statements.set(meta, (byShape = new Map()));
  const shape = `${keys.join(',')}#${rowCount}`;
  let sql = byShape.get(shape);
  if (sql === undefined) {
    const props = keys.map((k) => meta.properties[k as keyof typeof meta.properties]);
    const plain = props.every((p) => p && p.fieldNames?.length === 1 && !p.customType && p.runtimeType !== 'object');
    const tuple = `(${keys.map(() => '?').join(',')})`;
    sql = plain ? `insert into \`${meta.tableName}\` (${props.map((p) => `\`${p!.fieldNames[0]}\``).join(',')}) values ${Array.from({ length: rowCount }, () => tuple).join(',')}` : null;
    byShape.set(shape, sql);
  }
  return sql;
}

/**
 * One multi-row INSERT outside the unit of work, returning each row's auto-increment id. Every row
 * has the same properties. Rows of plain columns go as one prepared-once statement with
 * parameters (the hot writes: orders, their items, outbox rows), skipping the ORM's query builder;
 * the rest go through `insertMany`. InnoDB hands a multi-row insert consecutive ids (increment 1
 * here, as MikroORM's own MySQL driver assumes), so the ids follow the first.
 */
export async function insertRows<T extends object>(em: EntityManager, entity: EntityName<T>, rows: RequiredEntityData<T>[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]!);
  const sql = insertStatement(em.getMetadata().get(entity) as EntityMetadata, keys, rows.length);
  let first: number;
  if (sql) {
    const params: unknown[] = [];
    for (const row of rows) for (const key of keys) params.push((row as Record<string, unknown>)[key] ?? null);
    first = Number((await em.execute<{ insertId: number }>(sql, params, 'run')).insertId);
  } else {
    const ids = await em.insertMany(entity, rows);
    if (ids.length === rows.length) return ids.map(Number);
    first = Number(ids[0]);
  }
  return rows.map((_, i) => first + i);
}

/** {@link insertRows} for one row: its auto-increment id. */
export async function insertRow<T extends object>(em: EntityManager, entity: EntityName<T>, row: RequiredEntityData<T>): Promise<number> {
  return (await insertRows(em, entity, [row]))[0]!;
}
