/**
 * The baseline of bench/stores' edge comparison: a bare Apollo Server 5 (its standalone node:http
 * handler) + type-graphql 2 schema serving `stores`, `store(id)` and `me` from memory, in its own
 * process. The types are the project's own classes (StoreType, StoreConnection, UserType,
 * StoreFilter), so the answers have the same shape and the same per-node conversion; everything the
 * project adds around a request (guards, context, ORM fork, logging, metrics, cache, Express,
 * sessions) is absent. Prints "bare ready <url>", stops on SIGTERM.
 * Env: BARE_TOKEN, the one bearer token `me` accepts; BARE_CPU_PROFILE=<file>, a V8 CPU profile
 * of this process written on SIGTERM (diagnostics).
 */
import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Ctx, ID, Int, Query, Resolver, buildSchema } from 'type-graphql';
import { UserType } from '../../src/modules/auth/auth.types.js';
import { encodeStoreCursor, shanghaiClock, type StoreDto } from '../../src/modules/store/store.model.js';
import { DEMO_STORES } from '../../src/modules/store/store.seed.js';
import { StoreConnection, StoreFilter, StoreType } from '../../src/modules/store/store.types.js';
import { startCpuProfile } from '../lib/cpu-profile.js';

const created = new Date().toISOString();
const STORES: StoreDto[] = DEMO_STORES.map((s, i) => ({ ...s, id: i + 1, version: 1, createdAt: created, updatedAt: created }));
const USER = { id: 1, nickname: 'bare', points: 0, createdAt: new Date(created) };
const TOKEN = process.env.BARE_TOKEN ?? 'bare-token';

interface BareContext {
  userId?: number;
}

@Resolver()
class BareResolver {
  @Query(() => StoreConnection)
  stores(
    @Arg('filter', () => StoreFilter, { nullable: true }) filter?: StoreFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first = 20,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): StoreConnection {
    const matching = filter?.city ? STORES.filter((s) => s.city === filter.city) : STORES;
    const page = matching.slice(0, first);
    const last = page[page.length - 1];
    return StoreConnection.from({
      edges: page.map((node) => ({ cursor: encodeStoreCursor({ k: 'id', id: node.id }), node, distanceMeters: null })),
      pageInfo: { hasNextPage: matching.length > first, endCursor: last ? encodeStoreCursor({ k: 'id', id: last.id }) : null },
    });
  }

  @Query(() => StoreType, { nullable: true })
  store(@Arg('id', () => ID) id: string): StoreType | null {
    const dto = STORES[Number(id) - 1];
    return dto ? StoreType.from(dto, shanghaiClock()) : null;
  }

  @Query(() => UserType)
  me(@Ctx() ctx: BareContext): UserType {
    if (ctx.userId !== USER.id) throw new Error('not logged in');
    return UserType.from(USER as never);
  }
}

const schema = await buildSchema({ resolvers: [BareResolver], scalarsMap: [{ type: Date, scalar: DateTimeResolver }], validate: false });
const apollo = new ApolloServer<BareContext>({ schema });
const { url } = await startStandaloneServer(apollo, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req }) => (req.headers.authorization === `Bearer ${TOKEN}` ? { userId: USER.id } : {}),
});
const profile = await startCpuProfile(process.env.BARE_CPU_PROFILE);
process.stdout.write(`bare ready ${url.replace(/\/$/, '')}\n`);
process.on('SIGTERM', () => void profile.stop().then(() => apollo.stop()).finally(() => process.exit(0)));
