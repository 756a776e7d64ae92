import type { EntityManager } from '@mikro-orm/mysql';
import type { Logger } from '../infra/observability/logger.js';
import type { Role } from '../modules/auth/session.store.js';

export interface Viewer {
  userId: number;
  role: Role;
  openid?: string;
  /** The bearer token of this request; kept so logout can end it. Never logged. */
  token: string;
}

/** What every service call receives first: one entity-manager fork per operation or message. */
export interface RequestContext {
  em: EntityManager;
  log: Logger;
  requestId: string;
  viewer?: Viewer;
  clientIp?: string;
}
