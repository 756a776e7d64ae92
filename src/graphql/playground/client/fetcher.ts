import { createGraphiQLFetcher, type Fetcher, type FetcherParams } from '@graphiql/toolkit';
import { Kind, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

/** The value of the Authorization header typed in the headers editor, in any letter case. */
export function authorizationFrom(headers: Record<string, unknown> | undefined): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  return typeof entry?.[1] === 'string' && entry[1].trim() !== '' ? entry[1] : undefined;
}

/** Whether the operation GraphiQL runs (the named one, or the only one) is a subscription. */
function isSubscription(params: FetcherParams, document: DocumentNode | undefined): boolean {
  let doc = document;
  if (!doc) {
    try {
      doc = parse(params.query);
    } catch {
      return false; // unparsable: the server answers with its validation error
    }
  }
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = params.operationName ? operations.find((o) => o.name?.value === params.operationName) : operations.length === 1 ? operations[0] : undefined;
  return chosen?.operation === 'subscription';
}

/**
 * Queries and mutations over HTTP with the editor's headers; subscriptions over graphql-ws on the
 * same path, authenticated once per socket with the editor's token as connectionParams
 * (`authorization`, lowercase, which is what the server reads). A changed token opens a new socket.
 */
export function createPlaygroundFetcher(endpoint: string): Fetcher {
  const http = createGraphiQLFetcher({ url: endpoint, enableIncrementalDelivery: false });
  const wsUrl = new URL(endpoint, location.href);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket: { authorization: string | undefined; client: Client } | undefined;

  const clientFor = (authorization: string | undefined): Client => {
    if (!socket || socket.authorization !== authorization) {
      void socket?.client.dispose();
      socket = { authorization, client: createClient({ url: wsUrl.href, connectionParams: authorization ? { authorization } : {}, lazy: true, retryAttempts: 0 }) };
    }
    return socket.client;
  };

  return (params, opts) => {
    if (!isSubscription(params, opts?.documentAST)) return http(params, opts);
    const results = clientFor(authorizationFrom(opts?.headers)).iterate({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined });
    // Wire results carry formatted errors; GraphiQL only prints them.
    return results as AsyncIterable<ExecutionResult>;
  };
}
