import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { moduleResolvers } from '../composition.js';
import { buildAppSchema } from './schema.js';

export const SCHEMA_FILE = 'schema/schema.graphql';

export async function printAppSchema(): Promise<string> {
  const header = '# Generated from the resolvers by `npm run schema:print`; a test fails when it drifts.\n\n';
  // Subscriptions need a pubSub to build; printing never publishes, so any one will do.
  return header + printSchema(await buildAppSchema({ resolvers: moduleResolvers(), pubSub: createPubSub() })) + '\n';
}

// Run directly: rewrite schema/schema.graphql.
if (/print-schema\.(js|ts)$/.test(process.argv[1] ?? '')) {
  writeFileSync(SCHEMA_FILE, await printAppSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
