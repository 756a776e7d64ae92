import type { EntityManager, EntityName, RequiredEntityData } from '@mikro-orm/mysql';

/**
 * One multi-row INSERT outside the unit of work, returning each row's auto-increment id.
 * MikroORM's `insertMany` answers only the first id on MySQL; the rest follow it, as its own
 * MySQL driver assumes (InnoDB hands a multi-row insert consecutive ids; increment 1 here).
 */
export async function insertRows<T extends object>(em: EntityManager, entity: EntityName<T>, rows: RequiredEntityData<T>[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const ids = await em.insertMany(entity, rows);
  if (ids.length === rows.length) return ids.map(Number);
  const first = Number(ids[0]);
  return rows.map((_, i) => first + i);
}
