import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BEGIN_MARKER, END_MARKER, renderErrorCatalog, scanErrorCatalog, type CatalogEntry } from '../../../src/tools/error-catalog.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const QA_GUIDE = path.join(ROOT, 'docs/qa.md');

/** The table between the markers of docs/qa.md, as committed. */
function documentedTable(): string {
  const doc = readFileSync(QA_GUIDE, 'utf8');
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  return doc.slice(begin + BEGIN_MARKER.length, end).trim();
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('error catalogue in docs/qa.md', () => {
  let fixtureDir: string;
  let entries: CatalogEntry[];
  let fixtureEntries: CatalogEntry[];

  beforeAll(() => {
    // A module that raises new reasons the ways the code does: the scan must see them, with their status.
    fixtureDir = mkdtempSync(path.join(tmpdir(), 'error-catalog-'));
    const fixture = path.join(fixtureDir, 'fixture.errors.ts');
    writeFileSync(
      fixture,
      [
        `import { AppError } from '${path.join(ROOT, 'src/shared/errors.js')}';`,
        `import { OrderErrors } from '${path.join(ROOT, 'src/modules/order/order.errors.js')}';`,
        `export const viaFactory = () => AppError.conflict('fixture conflict', 'FIXTURE_CONFLICT');`,
        `export const viaWrapper = () => OrderErrors.invalid('fixture input', 'f', 'FIXTURE_FORWARDED');`,
        `export const direct = () => new AppError('RATE_LIMITED', 'fixture slow down', { reason: 'FIXTURE_DIRECT', retryable: true });`,
        `export const down = () => new AppError('SERVICE_UNAVAILABLE', 'fixture down', { reason: 'FIXTURE_DOWN', retryable: true });`,
      ].join('\n'),
    );
    const all = scanErrorCatalog(ROOT, [fixture]);
    const isFixture = (e: CatalogEntry) => e.reason?.startsWith('FIXTURE_') ?? false;
    fixtureEntries = all.filter(isFixture);
    entries = all.filter((e) => !isFixture(e));
  }, 300_000);

  afterAll(() => {
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  it('is current: every code and reason raised in src/ is listed with its HTTP status (npm run docs:errors)', () => {
    expect(documentedTable()).toBe(renderErrorCatalog(entries));
  });

  it('the scan finds a reason however it is raised, with the code and status it comes with', () => {
    expect(fixtureEntries.map(({ code, reason, statuses, retryable }) => ({ code, reason, statuses, retryable }))).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'FIXTURE_FORWARDED', statuses: ['200'], retryable: false },
      { code: 'CONFLICT', reason: 'FIXTURE_CONFLICT', statuses: ['200'], retryable: false },
      { code: 'RATE_LIMITED', reason: 'FIXTURE_DIRECT', statuses: ['200'], retryable: true },
      // isUnavailableError turns a running operation's SERVICE_UNAVAILABLE into a 503.
      { code: 'SERVICE_UNAVAILABLE', reason: 'FIXTURE_DOWN', statuses: ['503'], retryable: true },
    ]);
  });

  it('gives the status the running server answers (as test/e2e/hostile-client.e2e-spec.ts asserts)', () => {
    const row = (code: string, reason: string) => entries.find((e) => e.code === code && e.reason === reason);
    const verdicts = ([code, reason]: [string, string]) => [code, reason, row(code, reason)?.statuses];
    // Raised while an operation runs: 200 (503 for SERVICE_UNAVAILABLE).
    expect(verdicts(['BAD_USER_INPUT', 'COUPON_NOT_USABLE'])).toEqual(['BAD_USER_INPUT', 'COUPON_NOT_USABLE', ['200']]);
    expect(verdicts(['RATE_LIMITED', 'LOGIN_RATE_LIMITED'])).toEqual(['RATE_LIMITED', 'LOGIN_RATE_LIMITED', ['200']]);
    expect(row('SERVICE_UNAVAILABLE', 'DEPENDENCY_UNAVAILABLE')).toMatchObject({ statuses: ['503'], retryable: true });
    // Refused by the guard or the HTTP pipeline before Apollo: STATUS_BY_CODE.
    for (const [code, reason, status] of [
      ['GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_FIELDS', '400'],
      ['GRAPHQL_VALIDATION_FAILED', 'FRAGMENT_CYCLE', '400'],
      ['GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP', '400'],
      ['GRAPHQL_VALIDATION_FAILED', 'DOCUMENT_TOO_LARGE', '400'],
      ['GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_ALIASES', '400'],
      ['GRAPHQL_PARSE_FAILED', 'TOO_MANY_TOKENS', '400'],
      ['BAD_USER_INPUT', 'QUERY_TOO_COSTLY', '400'],
      ['BAD_USER_INPUT', 'INVALID_VARIABLES', '400'],
      ['BAD_USER_INPUT', 'TOO_MANY_STOCK_MUTATIONS', '400'],
      ['BAD_REQUEST', 'SUBSCRIPTION_NEEDS_WEBSOCKET', '400'],
      ['UNAUTHENTICATED', 'AUTH_HEADER_MALFORMED', '401'],
      ['RATE_LIMITED', 'MUTATION_RATE_LIMITED', '429'],
    ] as const) {
      expect(verdicts([code, reason])).toEqual([code, reason, [status]]);
    }
    // A session the server cannot find: 401 before execution, 200 from a resolver, and over graphql-ws.
    expect(row('UNAUTHENTICATED', 'SESSION_INVALID')?.statuses).toEqual(['200', '401', 'ws']);
    expect(row('SERVICE_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE')?.statuses).toEqual(['503', 'ws']);
    // Only a graphql-ws operation can get these: no HTTP answer.
    expect(row('RATE_LIMITED', 'TOO_MANY_OPERATIONS')?.statuses).toEqual(['ws']);
  });

  it('no code or reason is left at the 500 Apollo gives an error it has no status for', () => {
    // 500 is the express error handler's masked failure only.
    expect(entries.filter((e) => e.statuses.includes('500')).map((e) => e.code)).toEqual(['INTERNAL_SERVER_ERROR']);
  });

  it('every reason literal of the error modules is in the table (a check independent of the scan)', () => {
    // (src/shared/errors.ts holds codes, default reasons and a MySQL error name: no reason of its own.)
    const sources = filesUnder(path.join(ROOT, 'src/modules'), '.errors.ts');
    const codes = new Set(entries.map((e) => e.code));
    const table = documentedTable();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      // A parameter's default reason is raised only by calls that leave it out (the scan records those).
      const defaults = new Set([...text.matchAll(/reason = '([A-Z0-9_]+)'/g)].map((m) => m[1]));
      for (const [, literal] of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})'/g)) {
        if (codes.has(literal!) || defaults.has(literal)) continue;
        expect({ file: path.relative(ROOT, file), literal, listed: table.includes(`\`${literal}\``) }).toEqual({ file: path.relative(ROOT, file), literal, listed: true });
      }
    }
  });
});
