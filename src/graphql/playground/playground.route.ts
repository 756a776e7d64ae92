import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../infra/observability/logger.js';
import { PLAYGROUND_PAGE, playgroundBundleBuilt, playgroundBundleDir } from './playground-bundle.js';

/** What the page tells the client code (read from a JSON script tag, so no inline script runs). */
export interface PlaygroundPageConfig {
  /** Where the bundle's scripts, styles and workers are served. */
  assetBase: string;
  /** Production keeps introspection off: the page then asks for no schema (no docs, no explorer). */
  introspection: boolean;
}

const ASSETS_PATH = '/playground';
// Everything comes from this origin: no CDN, no web fonts; Monaco injects <style> elements.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** A browser asking for a page (not a GraphQL GET with ?query=, not a client wanting JSON). */
function wantsPage(req: Request): boolean {
  return req.query.query === undefined && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/**
 * Serves the offline GraphiQL playground on the GraphQL path: the page on GET from a browser,
 * its bundled assets under `<path>/playground/`. Anything else falls through to Apollo.
 */
export function playgroundRouter(options: { introspection: boolean; logger: Logger; bundleDir?: string }): Router {
  const dir = options.bundleDir ?? playgroundBundleDir();
  const router = express.Router();
  const built = playgroundBundleBuilt(dir);
  if (!built) options.logger.warn({ dir }, 'playground bundle missing: run `npm run build` (or `npm run build:playground`)');
  const template = built ? readFileSync(join(dir, PLAYGROUND_PAGE), 'utf8') : undefined;

  router.get('/', (req: Request, res: Response, next) => {
    if (!wantsPage(req)) return next();
    res.set({ 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
    if (!template) {
      res.status(503).type('text/plain').send('The playground is not built: run `npm run build` (or `npm run build:playground`) and restart.\n');
      return;
    }
    const config: PlaygroundPageConfig = { assetBase: `${req.baseUrl}${ASSETS_PATH}`, introspection: options.introspection };
    // JSON inside <script type="application/json">: "<" escaped so no "</script>" can end it.
    const json = JSON.stringify(config).replace(/</g, '\\u003c');
    res.type('html').send(template.replaceAll('%ASSET_BASE%', config.assetBase).replace('%PLAYGROUND_CONFIG%', () => json));
  });
  // Unknown asset names are a 404 here, never a GraphQL error from Apollo. Names carry no
  // content hash, so browsers revalidate (ETag) rather than keep a stale bundle.
  router.use(ASSETS_PATH, express.static(dir, { index: false, fallthrough: false, maxAge: 0 }));
  return router;
}
