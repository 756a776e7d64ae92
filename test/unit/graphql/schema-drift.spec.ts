import { readFileSync } from 'node:fs';
import { printAppSchema, SCHEMA_FILE } from '../../../src/graphql/print-schema.js';

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers build (run `npm run schema:print` after changing them)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printAppSchema());
  });
});
