/**
 * A DATETIME(3) value read with plain SQL, as a Date. The columns hold UTC (the ORM's timezone is
 * +00:00); the driver hands back a Date or, with date strings on, `YYYY-MM-DD hh:mm:ss.fff`.
 */
export const utcDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`));
