import type { AuthService } from '../auth/auth.service.js';
import { defineModule } from '../module.js';
import { pointsAwardConsumer, pointsRefundConsumer } from './points.consumers.js';
import { PointsLedger } from './points.entity.js';
import { PointsService } from './points.service.js';

/** Loyalty points: earned on payment, reversed on refund (consumers only; the balance shows as `User.points`). */
export const pointsModule = defineModule({
  name: 'points',
  entities: [PointsLedger],
  resolvers: [],
  create: (_infra, { auth }: { auth: AuthService }) => {
    const points = new PointsService({ auth });
    return {
      services: { points },
      consumers: [pointsAwardConsumer(points), pointsRefundConsumer(points)],
    };
  },
});
