import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import express, { type Express, type Request } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Orm } from '../infra/db/orm.js';
import type { Logger } from '../infra/observability/logger.js';
import type { Metrics } from '../infra/observability/metrics.js';
import type { RequestContext, Viewer } from '../shared/context.js';
import { AppError } from '../shared/errors.js';
import { formatError } from './errors.js';
import { costLimitPlugin, depthLimitRule } from './limits.js';

/** An incoming request id is trusted only if it looks like one (it ends up in every log line). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;
const MAX_BODY = '256kb';

export interface ServerDeps {
  schema: GraphQLSchema;
  orm: Orm;
  logger: Logger;
  metrics: Metrics;
  /** Resolves a bearer token; null when unknown. Throws AppError when the session store is down. */
  authenticate(token: string): Promise<Viewer | null>;
  /** Readiness of the dependencies, by name. */
  readiness(): Promise<Record<string, boolean>>;
  /** Extra HTTP routes registered by modules (e.g. the WeChat Pay notify endpoint). */
  routes?: (app: Express) => void;
  production: boolean;
  maxDepth: number;
  maxCost: number;
}

export interface HttpServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting, drains in-flight requests and closes WebSockets. */
  close(): Promise<void>;
}

function bearer(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

export async function startHttpServer(deps: ServerDeps, listen: { port: number; host: string }): Promise<HttpServer> {
  const { logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const httpServer = createServer(app);

  const operations = metrics.counter('graphql_operations_total', 'GraphQL operations', ['operation', 'outcome']);
  const duration = metrics.histogram('graphql_operation_seconds', 'GraphQL operation duration', ['operation'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

  async function viewerFor(token: string | undefined, log: Logger): Promise<{ viewer?: Viewer; authError?: AppError }> {
    if (!token) return {};
    try {
      const viewer = await deps.authenticate(token);
      return viewer ? { viewer } : { authError: AppError.unauthenticated('session is missing, expired or invalid: log in again', 'SESSION_INVALID') };
    } catch (err) {
      if (err instanceof AppError) return { authError: err };
      log.error({ err }, 'authentication failed unexpectedly');
      return { authError: AppError.unavailable('authentication is temporarily unavailable') };
    }
  }

  // Subscriptions get the same error mapping as HTTP: stable codes, unknown errors masked.
  const format = formatError(logger);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown>, { ctx?: RequestContext }>(
    {
      schema: deps.schema,
      // The WebSocket authenticates once, with connectionParams.authorization.
      onConnect: async (socketCtx) => {
        const requestId = randomUUID();
        const log = logger.child({ requestId, transport: 'ws' });
        const raw = socketCtx.connectionParams?.authorization;
        const token = bearer(raw) ?? (typeof raw === 'string' ? raw : undefined);
        const { viewer } = await viewerFor(token, log);
        if (!viewer) {
          log.info('websocket refused: no valid session');
          return false;
        }
        socketCtx.extra.ctx = { em: deps.orm.em.fork(), log, requestId, viewer };
        return true;
      },
      context: (socketCtx) => ({ ...socketCtx.extra.ctx!, em: deps.orm.em.fork() }),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors as readonly GraphQLError[]) } : undefined),
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema: deps.schema,
    csrfPrevention: true,
    // main.ts owns signal handling and shuts everything down in order.
    stopOnTerminationSignals: false,
    introspection: !deps.production,
    includeStacktraceInErrorResponses: false,
    formatError: format,
    validationRules: [depthLimitRule(deps.maxDepth)],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      costLimitPlugin(deps.schema, deps.maxCost),
      {
        async requestDidStart({ contextValue }) {
          const started = performance.now();
          return {
            async willSendResponse({ operationName, errors, response }) {
              const op = operationName ?? 'anonymous';
              const failed = (errors?.length ?? 0) > 0;
              operations.inc({ operation: op, outcome: failed ? 'error' : 'ok' });
              duration.observe({ operation: op }, (performance.now() - started) / 1000);
              response.http.headers.set('x-request-id', contextValue.requestId);
              contextValue.log.debug({ operation: op, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 }, 'graphql operation');
            },
          };
        },
      },
      deps.production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: true }),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  deps.routes?.(app);

  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY }),
    expressMiddleware(apollo, {
      context: async ({ req }: { req: Request }): Promise<RequestContext> => {
        const incoming = req.header('x-request-id');
        const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
        const log = logger.child({ requestId });
        const { viewer, authError } = await viewerFor(bearer(req.header('authorization')), log);
        // A bad token is an error on every operation, not silently anonymous.
        if (authError) {
          throw new GraphQLError(authError.message, {
            extensions: { code: authError.code, reason: authError.details.reason, retryable: authError.details.retryable, http: { status: authError.code === 'UNAUTHENTICATED' ? 401 : 503 } },
          });
        }
        return { em: deps.orm.em.fork(), log, requestId, viewer, clientIp: req.ip };
      },
    }),
  );
  // Malformed JSON and other body-parser failures: a clean 400, never a stack trace.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'unhandled HTTP error');
    res.status(status).json({ errors: [{ message: status === 500 ? 'Internal server error' : 'malformed request', extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(listen.port, listen.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const displayHost = listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;
  return {
    server: httpServer,
    port,
    url: `http://${displayHost}:${port}`,
    close: async () => {
      await apollo.stop();
      wsServer.close();
    },
  };
}
