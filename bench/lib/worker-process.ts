/**
 * A worker process of the benchmarks (ROLE=worker: every consumer group, no HTTP API), started
 * by bench/lib/processes.ts against the benchmark's database, broker and simulators. Prints
 * "worker ready", stops on SIGTERM.
 * Env: the app's own variables, plus BENCH_POINTS_LATENCY_MS and BENCH_COUPON_LATENCY_MS (the
 * simulated points and coupon services of bench/payment), and BENCH_WORKER_CPU_PROFILE=<file>
 * (diagnostics: a V8 CPU profile of the worker, written on SIGTERM).
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import type { CouponRewardSettings } from '../../src/modules/coupon/pay-reward.consumer.js';
import type { PointsService } from '../../src/modules/points/points.service.js';
import { startCpuProfile } from './cpu-profile.js';

const app = await createApp(loadConfig({ ...process.env, ROLE: 'worker' }), { logger: createLogger({ level: (process.env.BENCH_WORKER_LOG_LEVEL ?? 'error') as 'error' }) });
(app.services.points as PointsService).simulatedLatencyMs = Number(process.env.BENCH_POINTS_LATENCY_MS ?? 0);
(app.services.couponReward as CouponRewardSettings).simulatedLatencyMs = Number(process.env.BENCH_COUPON_LATENCY_MS ?? 0);
const profiler = await startCpuProfile(process.env.BENCH_WORKER_CPU_PROFILE);
process.stdout.write('worker ready\n');
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await profiler.stop();
    await app.close();
  })().finally(() => process.exit(0));
});
