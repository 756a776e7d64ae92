import type { AuthService } from '../auth/auth.service.js';
import type { ModuleFactory } from '../module.js';
import { pointsAwardConsumer, pointsRefundConsumer } from './points.consumers.js';
import { PointsService } from './points.service.js';

/** Loyalty points: earned on payment, reversed on refund (consumers only; the balance shows as `User.points`). */
export const pointsModule: ModuleFactory = ({ services }) => {
  const auth = services.auth as AuthService | undefined;
  if (!auth) throw new Error('the points module needs the auth module listed before it');
  const points = new PointsService({ auth });
  return {
    name: 'points',
    services: { points },
    consumers: [pointsAwardConsumer(points), pointsRefundConsumer(points)],
  };
};
