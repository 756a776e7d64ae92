import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[];
  headers: Headers;
}

const readOperationFile = (path: string) => readFileSync(fileURLToPath(new URL(`../operations/${path}.graphql`, import.meta.url)), 'utf8');

/**
 * Loads a canonical mini-program operation from test/operations (shared with the benchmarks),
 * with every fragment it spreads appended from test/operations/fragments/<Name>.graphql.
 */
export function operation(name: string): string {
  const text = readOperationFile(name);
  const spread = [...new Set([...text.matchAll(/\.\.\.([A-Za-z_]\w*)/g)].map((m) => m[1]!))].filter((n) => n !== 'on');
  return [text, ...spread.map((fragment) => readOperationFile(`fragments/${fragment}`))].join('\n');
}

/** POSTs a GraphQL operation the way wx.request does: JSON, optional bearer token. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: GraphQLResponse['errors'] };
  return { status: res.status, data: body.data ?? undefined, errors: body.errors, headers: res.headers };
}

export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
export function errorReason(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.reason;
}
