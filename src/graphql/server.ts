import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import proxyAddr from 'proxy-addr';
import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Orm } from '../infra/db/orm.js';
import type { Logger } from '../infra/observability/logger.js';
import type { Metrics } from '../infra/observability/metrics.js';
import type { RequestContext, Viewer } from '../shared/context.js';
import { AppError } from '../shared/errors.js';
import { formatError, isUnavailableError } from './errors.js';
import { playgroundRouter } from './playground/playground.route.js';
import { OperationGuard, type OperationLimits } from './guards/operation-guard.js';
import type { RateLimiter } from './guards/rate-limiter.js';
import { operationLabel } from './known-operations.js';
import { WsClose, closeSocket } from './ws-close.js';
import { headerValue, isPlainJsonGraphqlPost, readJsonBody, sendJson } from './http-body.js';

/** An incoming request id is trusted only if it looks like one (it ends up in every log line). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;
const MAX_BODY_BYTES = 256 * 1024;
/** The same bound for one WebSocket message (ws would otherwise take 100 MiB). */
const MAX_WS_MESSAGE_BYTES = 256 * 1024;

/** Limits of the GraphQL edge beyond the document guards (see config.ts for the defaults). */
export interface EdgeOptions {
  /** Operations one WebSocket may have in flight (running or subscribed) at once. */
  wsMaxOperations: number;
  /** How often an open WebSocket's session is checked again (logout, expiry, revocation). */
  wsSessionRecheckMs: number;
  /** Express `trust proxy`: false (the default) trusts no X-Forwarded-For. */
  trustProxy: boolean | number | string;
  /** Serve /metrics on this port instead of the public one. */
  metricsPort?: number;
  /** Bearer token /metrics requires on the public port (production serves it only with one). */
  metricsToken?: string;
}

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
  limits: Omit<OperationLimits, 'introspection'>;
  edge: EdgeOptions;
  /** Per-user mutation budget (units = mutation fields); none = unlimited. */
  mutationLimiter?: RateLimiter;
  /** Serve the offline GraphiQL playground at GET /graphql (browsers only). */
  playground?: boolean;
}

export interface HttpServer {
  server: Server;
  url: string;
  port: number;
  /** Where /metrics is served when METRICS_PORT is set. */
  metricsUrl?: string;
  /** Stops accepting, drains in-flight requests and closes WebSockets. */
  close(): Promise<void>;
}

function bearer(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** HTTP status of an error refused before execution, by its code. */
const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

const authHeaderMalformed = () =>
  new GraphQLError('the Authorization header must be `Bearer <token>`', { extensions: { code: 'UNAUTHENTICATED', reason: 'AUTH_HEADER_MALFORMED' } });

/** `connectionParams.authorization` in any letter case (GraphiQL sends `Authorization`). */
function authorizationParam(params: Record<string, unknown> | undefined): unknown {
  if (!params) return undefined;
  for (const [key, value] of Object.entries(params)) if (key.toLowerCase() === 'authorization') return value;
  return undefined;
}

/** An operation refused before Apollo: the status, the request id and the `{ errors }` body. */
interface Refusal {
  refused: { status: number; requestId: string; body: { errors: unknown[] } };
}

const LAZY = Symbol('lazy request context');
interface LazyState {
  orm: Orm;
  makeLog: () => Logger;
  em?: RequestContext['em'];
  log?: Logger;
}

/**
 * A request's context whose entity-manager fork and child logger are made on first use, once:
 * most operations (cached reads, answers from Redis) touch neither, and both cost allocations on
 * every request. The accessors live on the prototype and their state in an own symbol property,
 * so Apollo's per-operation copy (`Object.assign(Object.create(proto), ctx)`) shares the same fork
 * and logger instead of making them.
 */
class LazyRequestContext {
  declare requestId: string;
  declare viewer?: Viewer;
  declare clientIp?: string;
  declare [LAZY]: LazyState;

  get em(): RequestContext['em'] {
    const state = this[LAZY];
    return (state.em ??= state.orm.em.fork());
  }
  set em(value: RequestContext['em']) {
    this[LAZY].em = value;
  }
  get log(): Logger {
    const state = this[LAZY];
    return (state.log ??= state.makeLog());
  }
  set log(value: Logger) {
    this[LAZY].log = value;
  }
}

function lazyContext(orm: Orm, makeLog: () => Logger, fields: Omit<RequestContext, 'em' | 'log'>): RequestContext {
  return Object.assign(new LazyRequestContext(), fields, { [LAZY]: { orm, makeLog } });
}

interface SocketState {
  token: string;
  viewer: Viewer;
  log: Logger;
  requestId: string;
  clientIp?: string;
  recheck?: NodeJS.Timeout;
}

export async function startHttpServer(deps: ServerDeps, listen: { port: number; host: string }): Promise<HttpServer> {
  const { logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // No proxy is trusted unless configured: X-Forwarded-For from anyone else is ignored.
  app.set('trust proxy', deps.edge.trustProxy);
  // Requests are dispatched below, once the GraphQL fast path exists.
  const httpServer = createServer();

  const operations = metrics.counter('graphql_operations_total', 'GraphQL operations', ['operation', 'outcome']);
  const duration = metrics.histogram('graphql_operation_seconds', 'GraphQL operation duration', ['operation'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

  async function viewerFor(token: string | undefined, log: () => Logger): Promise<{ viewer?: Viewer; authError?: AppError }> {
    if (!token) return {};
    try {
      const viewer = await deps.authenticate(token);
      return viewer ? { viewer } : { authError: AppError.unauthenticated('session is missing, expired or invalid: log in again', 'SESSION_INVALID') };
    } catch (err) {
      if (err instanceof AppError) return { authError: err };
      log().error({ err }, 'authentication failed unexpectedly');
      return { authError: AppError.unavailable('authentication is temporarily unavailable') };
    }
  }

  const appErrorToGraphQL = (e: AppError) => new GraphQLError(e.message, { extensions: { code: e.code, reason: e.details.reason, retryable: e.details.retryable } });

  // Both transports get the same error mapping: stable codes, unknown errors masked.
  const format = formatError(logger);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));

  // One guard for HTTP and WebSocket: parse, structural limits, validation, cost (see guards/).
  const guard = new OperationGuard(deps.schema, { ...deps.limits, introspection: !deps.production });
  const mutationBudget = async (viewer: Viewer | undefined, mutationFields: number): Promise<GraphQLError | undefined> => {
    if (!viewer || mutationFields === 0 || !deps.mutationLimiter) return undefined;
    if (await deps.mutationLimiter.take(`${viewer.role}:${viewer.userId}`, mutationFields)) return undefined;
    return new GraphQLError('too many changes in a short time, try again later', { extensions: { code: 'RATE_LIMITED', reason: 'MUTATION_RATE_LIMITED', retryable: true } });
  };

  /** The session behind a socket, checked again: still the same user, or why not. */
  const recheckSession = async (state: SocketState): Promise<'ok' | 'invalid' | 'unavailable'> => {
    try {
      const viewer = await deps.authenticate(state.token);
      return viewer && viewer.userId === state.viewer.userId && viewer.role === state.viewer.role ? 'ok' : 'invalid';
    } catch {
      return 'unavailable';
    }
  };

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_WS_MESSAGE_BYTES });
  const wsCleanup = useServer<Record<string, unknown>, { state?: SocketState }>(
    {
      schema: deps.schema,
      // A socket authenticates at connection_init: connectionParams.authorization (any letter
      // case; `Bearer <token>` or the bare token) or else the upgrade request's Authorization header.
      onConnect: async (socketCtx) => {
        const requestId = randomUUID();
        const log = logger.child({ requestId, transport: 'ws' });
        const { socket, request } = socketCtx.extra;
        const param = authorizationParam(socketCtx.connectionParams);
        const header = (request as IncomingMessage).headers.authorization;
        let token: string | undefined;
        if (param !== undefined && param !== null && param !== '') {
          token = bearer(param) ?? (typeof param === 'string' && /^[A-Za-z0-9_-]+$/.test(param) ? param : undefined);
        } else if (header) {
          token = bearer(header);
        } else {
          closeSocket(socket, WsClose.LogInAgain, 'UNAUTHENTICATED');
          return false;
        }
        if (!token) {
          closeSocket(socket, WsClose.LogInAgain, 'AUTH_HEADER_MALFORMED');
          return false;
        }
        const { viewer, authError } = await viewerFor(token, () => log);
        if (!viewer) {
          const retryLater = authError?.code === 'SERVICE_UNAVAILABLE';
          log.info({ reason: authError?.details.reason }, 'websocket refused');
          closeSocket(socket, retryLater ? WsClose.RetryLater : WsClose.LogInAgain, retryLater ? 'SESSION_STORE_UNAVAILABLE' : 'SESSION_INVALID');
          return false;
        }
        const state: SocketState = { token, viewer, log, requestId, clientIp: (request as IncomingMessage).socket.remoteAddress };
        // Logout, expiry or revocation elsewhere closes an idle socket too, not only its next operation.
        state.recheck = setInterval(() => {
          void recheckSession(state).then((verdict) => {
            if (verdict === 'invalid') closeSocket(socket, WsClose.LogInAgain, 'SESSION_INVALID');
          });
        }, deps.edge.wsSessionRecheckMs);
        state.recheck.unref();
        socketCtx.extra.state = state;
        // The ack tells clients that each subscription's activation is announced (see onOperation).
        return { announcesActive: true };
      },
      onClose: (socketCtx) => {
        if (socketCtx.extra.state?.recheck) clearInterval(socketCtx.extra.state.recheck);
      },
      // Every operation on the socket passes what an HTTP request passes: a live session, the
      // guard (same codes), the mutation budget; and the socket's own bound on operations in flight.
      onSubscribe: async (socketCtx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const state = socketCtx.extra.state!;
        const refuse = (errors: readonly GraphQLError[], outcome = 'refused') => {
          operations.inc({ operation: operationLabel(payload.operationName), outcome });
          return errors;
        };
        // graphql-ws registers the id before this hook: the count includes this operation.
        if (Object.keys(socketCtx.subscriptions).length > deps.edge.wsMaxOperations) {
          return refuse([new GraphQLError(`at most ${deps.edge.wsMaxOperations} operations may be in flight on one socket`, { extensions: { code: 'RATE_LIMITED', reason: 'TOO_MANY_OPERATIONS', limit: deps.edge.wsMaxOperations } })]);
        }
        const session = await recheckSession(state);
        if (session === 'invalid') {
          closeSocket(socketCtx.extra.socket, WsClose.LogInAgain, 'SESSION_INVALID');
          // The socket is closing: nothing more is sent for this id.
          delete socketCtx.subscriptions[id];
          return refuse([appErrorToGraphQL(AppError.unauthenticated('session is missing, expired or invalid: log in again', 'SESSION_INVALID'))]);
        }
        if (session === 'unavailable') return refuse([appErrorToGraphQL(AppError.unavailable('sessions are temporarily unavailable, please retry', 'SESSION_STORE_UNAVAILABLE'))]);
        const verdict = guard.check(payload.query, payload.variables, payload.operationName);
        if (!verdict.ok) return refuse(verdict.errors);
        const overBudget = verdict.operation.operation === 'mutation' ? await mutationBudget(state.viewer, verdict.mutationFields) : undefined;
        if (overBudget) return refuse([overBudget]);
        operations.inc({ operation: operationLabel(payload.operationName), outcome: 'ok' });
        return {
          schema: deps.schema,
          document: verdict.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: lazyContext(deps.orm, () => state.log.child({ operationId: id }), { requestId: state.requestId, viewer: state.viewer, clientIp: state.clientIp }),
        };
      },
      // A subscription exists only once onSubscribe (an awaited session re-check) and its subscribe
      // resolver are done, well after connection_ack. This protocol ping `{ active: id }` is the
      // client's signal that it is live, so a read made then cannot miss an event; sent just
      // before graphql-ws starts iterating (which attaches the listener, synchronously).
      onOperation: (socketCtx, id, _payload, _args, result) => {
        if (Symbol.asyncIterator in Object(result) && socketCtx.extra.socket.readyState === socketCtx.extra.socket.OPEN) {
          socketCtx.extra.socket.send(JSON.stringify({ type: 'ping', payload: { active: id } }));
        }
      },
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
    // The guard middleware has already parsed, limited and validated the document; these only
    // keep Apollo's own parse bounded, and no client can register documents (no APQ).
    parseOptions: { maxTokens: deps.limits.maxTokens },
    persistedQueries: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      {
        async requestDidStart({ contextValue }) {
          const started = performance.now();
          return {
            async willSendResponse({ operationName, errors, response }) {
              // A bounded label set: known operation names, everything else `other`.
              const op = operationLabel(operationName);
              const failed = (errors?.length ?? 0) > 0;
              operations.inc({ operation: op, outcome: failed ? 'error' : 'ok' });
              duration.observe({ operation: op }, (performance.now() - started) / 1000);
              response.http.headers.set('x-request-id', contextValue.requestId);
              // A dependency down is 503 for every operation (login included), so clients and proxies retry.
              if (response.body.kind === 'single' && !response.body.singleResult.data && errors?.some(isUnavailableError)) response.http.status = 503;
              // The request's child logger is made on first use: not for a line that would be dropped.
              if (logger.isLevelEnabled('debug')) contextValue.log.debug({ operation: op, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 }, 'graphql operation');
              // What Apollo's cache-control plugin (disabled below) always answered here: the schema
              // has no cache hints, so no response is cacheable. It ran after this hook, hence last.
              response.http.headers.set('cache-control', 'no-store');
            },
          };
        },
      },
      // Apollo's landing pages load from its CDN; the playground below is served by the BFF itself.
      ApolloServerPluginLandingPageDisabled(),
      // Its per-field hook prices cache hints this schema never gives (every answer is `no-store`,
      // set above), and it was a visible share of the API's CPU under load.
      ApolloServerPluginCacheControlDisabled(),
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
  const sendMetrics = async (res: { setHeader(name: string, value: string): unknown; end(body: string): unknown }) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  };
  let metricsServer: Server | undefined;
  if (deps.edge.metricsPort !== undefined) {
    // Its own listener (a port the load balancer does not expose); the public port has no /metrics.
    metricsServer = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') void sendMetrics(res);
      else res.writeHead(404).end();
    });
  } else if (!deps.production || deps.edge.metricsToken) {
    const expected = deps.edge.metricsToken ? Buffer.from(deps.edge.metricsToken) : undefined;
    app.get('/metrics', async (req, res) => {
      if (expected) {
        const given = Buffer.from(bearer(req.header('authorization')) ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.status(401).json({ errors: [{ message: 'metrics need `Authorization: Bearer <METRICS_TOKEN>`', extensions: { code: 'UNAUTHENTICATED', reason: 'METRICS_TOKEN_REQUIRED' } }] });
          return;
        }
      }
      await sendMetrics(res);
    });
  }
  // Production without METRICS_PORT or METRICS_TOKEN: /metrics is not served at all.
  deps.routes?.(app);

  if (deps.playground) app.use('/graphql', playgroundRouter({ introspection: !deps.production, logger }));
  /** An operation refused before execution: its errors, mapped once, with the status of the first. */
  const refusal = (requestId: string, errors: readonly GraphQLError[], operationName: unknown): Refusal => {
    const formatted = formatAll(errors);
    const code = String(formatted[0]?.extensions?.code ?? 'BAD_REQUEST');
    operations.inc({ operation: operationLabel(typeof operationName === 'string' ? operationName : undefined), outcome: 'refused' });
    return { refused: { status: STATUS_BY_CODE[code] ?? 400, requestId, body: { errors: formatted } } };
  };

  /**
   * The HTTP end of the pipeline, before Apollo, for both HTTP paths: guard (cached per document),
   * then the viewer, then the mutation budget. Gives the context of an operation that may run, a
   * refusal, or nothing when there is no document (Apollo answers those itself).
   */
  const admit = async (source: unknown, header: (name: string) => string | undefined, clientIp: string | undefined): Promise<{ context: RequestContext } | Refusal | undefined> => {
    // No document (the playground page, a CSRF-blocked or batched body): Apollo answers as before.
    if (!source || typeof source !== 'object' || Array.isArray(source)) return undefined;
    const { query, operationName } = source as Record<string, unknown>;
    if (query === undefined) return undefined;
    const incoming = header('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    let child: Logger | undefined;
    const log = () => (child ??= logger.child({ requestId }));
    let variables = (source as Record<string, unknown>).variables;
    if (typeof variables === 'string') {
      try {
        variables = JSON.parse(variables);
      } catch {
        return refusal(requestId, [new GraphQLError('`variables` is not valid JSON', { extensions: { code: 'BAD_REQUEST', reason: 'INVALID_VARIABLES' } })], operationName);
      }
    }
    const verdict = guard.check(query, variables, operationName);
    if (!verdict.ok) return refusal(requestId, verdict.errors, operationName);
    if (verdict.operation.operation === 'subscription') {
      // Apollo would execute it as a query and run the event resolver without an event.
      const onlyWs = new GraphQLError('subscriptions are served over the WebSocket on this path (graphql-ws)', { extensions: { code: 'BAD_REQUEST', reason: 'SUBSCRIPTION_NEEDS_WEBSOCKET' } });
      return refusal(requestId, [onlyWs], operationName);
    }

    const authorization = header('authorization');
    let viewer: Viewer | undefined;
    if (authorization !== undefined && authorization.trim() !== '') {
      const token = bearer(authorization);
      // `Basic ...`, a bare token, `Bearer` alone: refused, never silently anonymous.
      if (!token) return refusal(requestId, [authHeaderMalformed()], operationName);
      const auth = await viewerFor(token, log);
      if (auth.authError) return refusal(requestId, [appErrorToGraphQL(auth.authError)], operationName);
      viewer = auth.viewer;
    }
    if (verdict.operation.operation === 'mutation') {
      const overBudget = await mutationBudget(viewer, verdict.mutationFields);
      if (overBudget) return refusal(requestId, [overBudget], operationName);
    }
    return { context: lazyContext(deps.orm, log, { requestId, viewer, clientIp }) };
  };
  /** Requests Apollo refuses itself (no query) get this one; they never reach a resolver. */
  const anonymousContext = (clientIp: string | undefined) => lazyContext(deps.orm, () => logger, { requestId: randomUUID(), clientIp });

  const guardHttp = async (req: Request, res: Response, next: NextFunction) => {
    const admission = await admit(req.method === 'GET' ? req.query : req.body, (name) => req.header(name), req.ip);
    if (admission && 'refused' in admission) {
      const { status, requestId, body } = admission.refused;
      // The same writer as the fast path's, so both paths answer a refusal byte for byte alike.
      sendJson(res, status, body, requestId);
      return;
    }
    res.locals.graphqlContext = admission?.context;
    next();
  };

  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY_BYTES }),
    (req: Request, res: Response, next: NextFunction) => void guardHttp(req, res, next).catch(next),
    expressMiddleware(apollo, {
      context: async ({ req, res }: { req: Request; res: Response }): Promise<RequestContext> => (res.locals.graphqlContext as RequestContext | undefined) ?? anonymousContext(req.ip),
    }),
  );
  // Malformed JSON and other body-parser failures: a clean 400, never a stack trace.
  const failure = (err: Error & { status?: number }) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'unhandled HTTP error');
    return { status, body: { errors: [{ message: status === 500 ? 'Internal server error' : 'malformed request', extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] } };
  };
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: express.Response, _next: express.NextFunction) => {
    const { status, body } = failure(err);
    sendJson(res, status, body);
  });

  /**
   * POST /graphql with a plain JSON body, the mini-program's every request, goes from node:http
   * straight to the same admission and Apollo: Express's routing, its request and response
   * decorations and body-parser's stream pipeline were a fixed cost per request larger than a
   * cached read. Anything else on that path (GET, other content types or encodings, the
   * playground) still goes through Express.
   */
  const trustProxy = app.get('trust proxy fn') as (addr: string, i: number) => boolean;
  const graphqlPost = async (req: IncomingMessage, res: ServerResponse) => {
    let body: unknown;
    try {
      body = await readJsonBody(req, MAX_BODY_BYTES);
    } catch (err) {
      const { status, body: errors } = failure(err as Error & { status?: number });
      return sendJson(res, status, errors);
    }
    const clientIp = proxyAddr(req, trustProxy);
    const admission = await admit(body, (name) => headerValue(req, name), clientIp);
    if (admission && 'refused' in admission) {
      const { status, requestId, body: errors } = admission.refused;
      return sendJson(res, status, errors, requestId);
    }
    const context = admission?.context ?? anonymousContext(clientIp);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const query = req.url!.indexOf('?');
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: query < 0 ? '' : req.url!.slice(query), body },
      context: async () => context,
    });
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isPlainJsonGraphqlPost(req)) {
      graphqlPost(req, res).catch((err: Error) => {
        const { status, body } = failure(err);
        if (!res.headersSent) sendJson(res, status, body);
        else res.destroy();
      });
    } else app(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(listen.port, listen.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const displayHost = listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;
  let metricsUrl: string | undefined;
  if (metricsServer) {
    const server = metricsServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(deps.edge.metricsPort, listen.host, () => resolve());
    });
    metricsUrl = `http://${displayHost}:${(server.address() as AddressInfo).port}/metrics`;
  }
  return {
    server: httpServer,
    port,
    url: `http://${displayHost}:${port}`,
    metricsUrl,
    close: async () => {
      await apollo.stop();
      wsServer.close();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    },
  };
}
