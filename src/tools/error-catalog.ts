/**
 * The error catalogue, read from the source: every `code` and `reason` a client can get, with the
 * HTTP status it comes with. `npm run docs:errors` writes it into docs/qa.md between markers; a
 * test fails when the doc is stale, so a new reason cannot ship undocumented.
 *
 * What it reads (TypeScript's type checker over src/):
 *  - `new AppError('CODE', message, { reason: 'R', retryable })`;
 *  - calls of any function returning AppError that has a `reason` parameter (`AppError.badInput(…,
 *    'R')`, `OrderErrors.invalid(…, 'R')`): a literal argument, or the parameter's default when the
 *    call leaves it out; its code is the one the called function builds;
 *  - `new GraphQLError(message, { extensions: { code: 'C', reason: 'R', http: { status } } })`.
 *
 *  - calls of any function that builds a GraphQLError from its `code` and `reason` parameters (the
 *    guard's `refusal(message, 'CODE', 'REASON')`), a conditional of literals giving each branch;
 *  - plain `{ extensions: { code, reason } }` objects: what formatError answers, and what a route
 *    sends itself with `res.status(N).json(…)`.
 *
 * HTTP status, read from the mechanisms that set it rather than assumed (the scan throws when one
 * of them is no longer where it reads it):
 *  - raised before execution (src/graphql/server.ts and guards/): `refuseHttp` answers with
 *    `STATUS_BY_CODE[code] ?? N` (the table and N are read from server.ts);
 *  - raised only in the graphql-ws hooks (`onConnect`, `onSubscribe`), or in a module whose resolvers
 *    declare only `@Subscription`s (HTTP refuses subscriptions): no HTTP answer at all, shown as
 *    `ws` (the code and reason arrive in a graphql-ws `error` or `next` message);
 *  - raised while an operation runs (everything else, and formatError in src/graphql/errors.ts):
 *    in `errors[]` of an HTTP 200 answer, except the codes `isUnavailableError` (errors.ts) picks
 *    out, which answer 503 when the operation has no data left.
 *
 * Dev-only tool (imports `typescript`); nothing in the server imports it.
 */
import path from 'node:path';
import ts from 'typescript';

export interface CatalogEntry {
  code: string;
  /** undefined: the error carries no reason (GraphQL's and Apollo's own codes). */
  reason?: string;
  /** HTTP status(es) of the answer that carries it, e.g. "200" or "401". */
  statuses: string[];
  retryable: boolean;
  /** Message texts (templates shown with …), as written in the code. */
  messages: string[];
  /** Source files that raise it, relative to the repository. */
  files: string[];
}

/** Apollo Server's and GraphQL's own codes (src/graphql/errors.ts passes them through): not raised by our code. */
// Parsing and validation run in the guard (listed from its source); what is left is the body parser
// (express.json: 400 for a body that is not JSON, 413 beyond MAX_BODY), Apollo's CSRF prevention and
// a request without a document (400), APQ hashes (persistedQueries: false → Apollo's PersistedQueryNotSupportedError, HTTP 200), and
// the masked unexpected error (200 in a resolver, 500 from the express error handler).
const FRAMEWORK_CODES: Record<string, { statuses: string[]; message: string }> = {
  BAD_REQUEST: { statuses: ['400', '413'], message: 'malformed HTTP request (body not JSON or over 256 kB, CSRF header missing, no document)' },
  PERSISTED_QUERY_NOT_SUPPORTED: { statuses: ['200'], message: 'a persisted-query hash without the document: persisted queries are disabled, send the full query' },
  INTERNAL_SERVER_ERROR: { statuses: ['200', '500'], message: 'anything unexpected; logged with the request id and masked as "Internal server error"' },
};

/** Files of the request phase: what they raise is refused through `refuseHttp` (or a ws hook). */
const REQUEST_PHASE = /^src\/graphql\/(server\.ts|guards\/)/;
/** formatError: it shapes errors of running operations (a connection dropped, a variable coerced late). */
const FORMATTER = 'src/graphql/errors.ts';
const SERVER = 'src/graphql/server.ts';
/** graphql-ws hooks of server.ts: what only they raise never has an HTTP answer. */
const WS_HOOKS = new Set(['onConnect', 'onSubscribe']);
export const WS_ONLY = 'ws';

/** How the server picks an HTTP status, read from its source. */
interface StatusRules {
  byCode: Map<string, string>;
  refusedDefault: string;
  /** Codes that turn an answer without data into a 503 (isUnavailableError). */
  unavailable: Set<string>;
}

const statusOrder = (s: string) => (s === WS_ONLY ? 1000 : Number(s));

function literalText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** A literal, or each branch of a conditional of literals (`tooMany ? 'A' : 'B'`). */
function literalAlternatives(node: ts.Node | undefined): string[] {
  if (!node) return [];
  if (ts.isParenthesizedExpression(node)) return literalAlternatives(node.expression);
  if (ts.isConditionalExpression(node)) return [...literalAlternatives(node.whenTrue), ...literalAlternatives(node.whenFalse)];
  const literal = literalText(node);
  return literal === undefined ? [] : [literal];
}

/** The reasons an `extensions` object may carry: its `reason`, or each branch of a spread `...(c ? { reason } : {})`. */
function reasonsOf(ext: ts.Node | undefined): (string | undefined)[] {
  if (!ext || !ts.isObjectLiteralExpression(ext)) return [undefined];
  const direct = property(ext, 'reason');
  if (direct) {
    const alternatives = literalAlternatives(direct);
    return alternatives.length > 0 ? alternatives : [];
  }
  for (const p of ext.properties) {
    if (!ts.isSpreadAssignment(p)) continue;
    let inner: ts.Expression = p.expression;
    while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
    if (ts.isConditionalExpression(inner)) {
      const branch = (b: ts.Expression) => literalText(property(ts.isParenthesizedExpression(b) ? b.expression : b, 'reason'));
      return [branch(inner.whenTrue), branch(inner.whenFalse)];
    }
  }
  return [undefined];
}

/** A message as written: literals as is, templates with … for their substitutions. */
function messageText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  const literal = literalText(node);
  if (literal !== undefined) return literal;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `…${s.literal.text}`).join('');
  return undefined;
}

function property(obj: ts.Node | undefined, name: string): ts.Expression | undefined {
  if (!obj || !ts.isObjectLiteralExpression(obj)) return undefined;
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

function isNewOf(node: ts.Node, className: string): node is ts.NewExpression {
  return ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === className;
}

function findNode(sf: ts.SourceFile, test: (n: ts.Node) => boolean): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (test(n)) found = n;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Reads STATUS_BY_CODE and its fallback (server.ts) and the 503 rule (errors.ts), or throws. */
function readStatusRules(program: ts.Program, root: string): StatusRules {
  const source = (rel: string) => {
    const sf = program.getSourceFile(path.join(root, rel));
    if (!sf) throw new Error(`error catalogue: ${rel} is not in the program`);
    return sf;
  };
  const server = source(SERVER);
  const table = findNode(server, (n) => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'STATUS_BY_CODE') as ts.VariableDeclaration | undefined;
  if (!table?.initializer || !ts.isObjectLiteralExpression(table.initializer)) throw new Error(`error catalogue: no STATUS_BY_CODE object in ${SERVER}`);
  const byCode = new Map<string, string>();
  for (const p of table.initializer.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && ts.isNumericLiteral(p.initializer)) byCode.set(p.name.text, p.initializer.text);
  }
  const fallback = findNode(
    server,
    (n) => ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken && ts.isElementAccessExpression(n.left) && n.left.expression.getText(server) === 'STATUS_BY_CODE' && ts.isNumericLiteral(n.right),
  ) as ts.BinaryExpression | undefined;
  if (!fallback) throw new Error(`error catalogue: no \`STATUS_BY_CODE[code] ?? <status>\` in ${SERVER}`);
  const errors = source(FORMATTER);
  const rule = findNode(errors, (n) => ts.isFunctionDeclaration(n) && n.name?.text === 'isUnavailableError');
  if (!rule) throw new Error(`error catalogue: no isUnavailableError in ${FORMATTER}`);
  const unavailable = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken && /\bcode$/.test(n.left.getText(errors))) {
      const lit = literalText(n.right);
      if (lit) unavailable.add(lit);
    }
    ts.forEachChild(n, visit);
  };
  visit(rule);
  if (unavailable.size === 0) throw new Error(`error catalogue: isUnavailableError compares no code`);
  return { byCode, refusedDefault: (fallback.right as ts.NumericLiteral).text, unavailable };
}

export function scanErrorCatalog(root: string, extraFiles: string[] = []): CatalogEntry[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('cannot read tsconfig.build.json');
  const srcDir = path.join(root, 'src') + path.sep;
  const files = [...config.fileNames.filter((f) => f.startsWith(srcDir)), ...extraFiles];
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();

  const entries = new Map<string, CatalogEntry>();
  const add = (file: string, code: string, reason: string | undefined, status: string, retryable: boolean, message: string | undefined) => {
    const key = `${code}\u0000${reason ?? ''}`;
    const entry = entries.get(key) ?? { code, reason, statuses: [], retryable: false, messages: [], files: [] };
    if (!entry.statuses.includes(status)) entry.statuses.push(status);
    entry.retryable ||= retryable;
    // A message made only of substitutions (`${field} ${rule}`) says nothing in a table.
    if (message && /[A-Za-z]{2}/.test(message.replace(/…/g, '')) && !entry.messages.includes(message)) entry.messages.push(message);
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (!entry.files.includes(rel)) entry.files.push(rel);
    entries.set(key, entry);
  };

  const returnsAppError = (signature: ts.Signature) => checker.typeToString(checker.getReturnTypeOfSignature(signature)) === 'AppError';

  // Resolving every call's signature type-checks all of src (minutes); only calls of a name whose
  // declaration builds an AppError (directly or through another such name) can matter.
  const builders = new Set<string>(['AppError']);
  const declarations: { name: string; text: string }[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(sf.fileName)) continue;
    const collect = (node: ts.Node): void => {
      const fn = (init: ts.Node | undefined) => init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
      let name: string | undefined;
      if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name)) name = node.name.text;
      else if ((ts.isPropertyAssignment(node) || ts.isVariableDeclaration(node)) && ts.isIdentifier(node.name) && fn(node.initializer)) name = node.name.text;
      if (name) declarations.push({ name, text: node.getText(sf) });
      ts.forEachChild(node, collect);
    };
    collect(sf);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of declarations) {
      if (builders.has(d.name)) continue;
      if (/new AppError\(/.test(d.text) || [...builders].some((b) => b !== 'AppError' && new RegExp(`\\b${b}\\(`).test(d.text))) {
        builders.add(d.name);
        grew = true;
      }
    }
  }
  const mayBuild = (call: ts.CallExpression) => {
    const callee = call.expression;
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    return name !== undefined && builders.has(name);
  };

  /** The code (and retryable flag) of the AppError a function builds, following calls to other builders. */
  const builtBy = new Map<ts.Node, { code: string; retryable: boolean } | undefined>();
  function buildOf(decl: ts.Declaration | undefined): { code: string; retryable: boolean } | undefined {
    if (!decl) return undefined;
    if (builtBy.has(decl)) return builtBy.get(decl);
    builtBy.set(decl, undefined); // recursion guard
    let found: { code: string; retryable: boolean } | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (isNewOf(node, 'AppError')) {
        const code = literalText(node.arguments?.[0]);
        if (code) {
          const retry = property(node.arguments?.[2], 'retryable');
          found = { code, retryable: retry?.kind === ts.SyntaxKind.TrueKeyword };
          return;
        }
      }
      if (ts.isCallExpression(node) && mayBuild(node)) {
        const sig = checker.getResolvedSignature(node);
        if (sig && returnsAppError(sig)) {
          found = buildOf(sig.getDeclaration());
          if (found) return;
        }
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(decl, visit);
    builtBy.set(decl, found);
    return found;
  }

  const rules = readStatusRules(program, root);
  /** A running operation's error: 200, or 503 for an unavailable code (isUnavailableError). */
  const runningStatus = (code: string) => (rules.unavailable.has(code) ? '503' : '200');
  /** An error refused before execution: refuseHttp's `STATUS_BY_CODE[code] ?? default`. */
  const refusedStatus = (code: string) => rules.byCode.get(code) ?? rules.refusedDefault;

  // Functions that build a GraphQLError from their `code` and `reason` parameters (the guard's refusal()).
  const graphqlBuilders = new Set(declarations.filter((d) => /new GraphQLError\(/.test(d.text) && /\bcode\b/.test(d.text) && /\breason\b/.test(d.text)).map((d) => d.name));
  const paramIndex = (decl: ts.SignatureDeclaration, name: string) => decl.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);

  // Modules reachable only through subscriptions: their resolvers declare @Subscription and nothing else.
  const resolverDecorators = new Map<string, Set<string>>();
  for (const sf of program.getSourceFiles()) {
    const m = /^src\/modules\/([^/]+)\/.*\.resolver\.ts$/.exec(path.relative(root, sf.fileName).split(path.sep).join('/'));
    if (!m || !files.includes(sf.fileName)) continue;
    const seen = resolverDecorators.get(m[1]!) ?? new Set<string>();
    for (const d of sf.text.matchAll(/@(Query|Mutation|Subscription|FieldResolver)\(/g)) seen.add(d[1]!);
    resolverDecorators.set(m[1]!, seen);
  }
  const subscriptionOnly = new Set([...resolverDecorators].filter(([, d]) => d.has('Subscription') && d.size === 1).map(([m]) => `src/modules/${m}/`));

  for (const sourceFile of program.getSourceFiles()) {
    const file = sourceFile.fileName;
    if (!files.includes(file)) continue;
    const rel = path.relative(root, file).split(path.sep).join('/');
    const requestPhase = REQUEST_PHASE.test(rel) && rel !== FORMATTER;
    const wsOnlyModule = [...subscriptionOnly].some((dir) => rel.startsWith(dir));

    // Inside a graphql-ws hook nothing is answered over HTTP.
    const inWsHook = (node: ts.Node) => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        if ((ts.isPropertyAssignment(n) || ts.isMethodDeclaration(n)) && ts.isIdentifier(n.name) && WS_HOOKS.has(n.name.text)) return true;
      }
      return false;
    };
    const statusAt = (node: ts.Node, code: string) => (wsOnlyModule ? WS_ONLY : !requestPhase ? runningStatus(code) : rel === SERVER && inWsHook(node) ? WS_ONLY : refusedStatus(code));

    /** `res.status(N).json({ errors: [{ extensions: … }] })`: N. */
    const sentStatus = (node: ts.Node): string | undefined => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'json') {
          const target = n.expression.expression;
          if (ts.isCallExpression(target) && ts.isPropertyAccessExpression(target.expression) && target.expression.name.text === 'status' && target.arguments[0] && ts.isNumericLiteral(target.arguments[0])) return target.arguments[0].text;
          return undefined;
        }
      }
      return undefined;
    };

    const visit = (node: ts.Node): void => {
      if (isNewOf(node, 'AppError')) {
        const code = literalText(node.arguments?.[0]);
        const details = node.arguments?.[2];
        const reason = literalText(property(details, 'reason'));
        // A reason passed through a parameter is recorded where a literal reaches that parameter.
        const forwarded = property(details, 'reason') !== undefined && reason === undefined;
        if (code && !forwarded) add(file, code, reason, statusAt(node, code), property(details, 'retryable')?.kind === ts.SyntaxKind.TrueKeyword, messageText(node.arguments?.[1]));
      } else if (isNewOf(node, 'GraphQLError')) {
        const ext = property(node.arguments?.[1], 'extensions');
        const code = literalText(property(ext, 'code'));
        if (code) {
          for (const reason of reasonsOf(ext)) add(file, code, reason, statusAt(node, code), property(ext, 'retryable')?.kind === ts.SyntaxKind.TrueKeyword, messageText(node.arguments?.[0]));
        }
      } else if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'extensions' && !(node.parent.parent && isNewOf(node.parent.parent, 'GraphQLError'))) {
        // A plain error object: formatError's answers, or a route's own `res.status(N).json(…)`.
        const ext = node.initializer;
        const code = literalText(property(ext, 'code'));
        if (code) {
          const status = sentStatus(node) ?? runningStatus(code);
          const message = messageText(property(node.parent, 'message'));
          for (const reason of reasonsOf(ext)) add(file, code, reason, status, property(ext, 'retryable')?.kind === ts.SyntaxKind.TrueKeyword, message);
        }
      } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && graphqlBuilders.has(node.expression.text)) {
        const decl = checker.getResolvedSignature(node)?.getDeclaration() as ts.SignatureDeclaration | undefined;
        if (decl) {
          const [codeAt, reasonAt, messageAt] = ['code', 'reason', 'message'].map((name) => paramIndex(decl, name));
          if (codeAt! >= 0 && reasonAt! >= 0) {
            for (const code of literalAlternatives(node.arguments[codeAt!])) {
              for (const reason of literalAlternatives(node.arguments[reasonAt!])) add(file, code, reason, statusAt(node, code), false, messageAt! >= 0 ? messageText(node.arguments[messageAt!]) : undefined);
            }
          }
        }
      } else if (ts.isCallExpression(node) && mayBuild(node)) {
        const sig = checker.getResolvedSignature(node);
        const decl = sig?.getDeclaration() as ts.SignatureDeclaration | undefined;
        if (sig && decl && returnsAppError(sig)) {
          const params = decl.parameters;
          const reasonIndex = params.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === 'reason');
          const messageIndex = params.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === 'message');
          if (reasonIndex >= 0) {
            const arg = node.arguments[reasonIndex];
            const reason = arg ? literalText(arg) : literalText(params[reasonIndex]!.initializer);
            const built = buildOf(decl);
            if (reason && built) add(file, built.code, reason, statusAt(node, built.code), built.retryable, messageIndex >= 0 ? (messageText(node.arguments[messageIndex]) ?? messageText(params[messageIndex]!.initializer)) : undefined);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }

  for (const [code, { statuses, message }] of Object.entries(FRAMEWORK_CODES)) {
    const own = entries.get(`${code}\u0000`);
    if (!own) entries.set(`${code}\u0000`, { code, statuses: [...statuses], retryable: false, messages: [message], files: ['(Apollo Server / express)'] });
    else for (const s of statuses) if (!own.statuses.includes(s)) own.statuses.push(s);
  }
  for (const e of entries.values()) e.statuses.sort((a, b) => statusOrder(a) - statusOrder(b));
  return [...entries.values()].sort((a, b) => a.code.localeCompare(b.code) || (a.reason ?? '').localeCompare(b.reason ?? ''));
}

export const BEGIN_MARKER = '<!-- error-catalog:begin (generated by `npm run docs:errors` from src/; do not edit by hand) -->';
export const END_MARKER = '<!-- error-catalog:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table written between the markers. */
export function renderErrorCatalog(entries: CatalogEntry[]): string {
  const rows = entries.map((e) =>
    [
      `\`${e.code}\``,
      e.reason ? `\`${e.reason}\`` : '—',
      e.statuses.join(', '),
      e.retryable ? 'yes' : '',
      cell(e.messages.map((m) => `"${m}"`).join('; ')),
      e.files.map((f) => `\`${f}\``).join(' '),
    ].join(' | '),
  );
  return [
    '| `extensions.code` | `extensions.reason` | HTTP status | retryable | message | raised in |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

/** Replaces what lies between the markers of `doc` with `table`; throws when the markers are missing. */
export function withCatalog(doc: string, table: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`the document has no ${BEGIN_MARKER} … ${END_MARKER} section`);
  return `${doc.slice(0, begin + BEGIN_MARKER.length)}\n${table}\n${doc.slice(end)}`;
}
