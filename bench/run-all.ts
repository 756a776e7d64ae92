/**
 * Runs every benchmark, one after the other (they would skew each other if run together).
 * Each prints its own baseline, the project's numbers and the ratio.
 */
import { spawnSync } from 'node:child_process';

const BENCHES = ['broker/broker.bench.ts', 'login/login.bench.ts', 'stores/stores.bench.ts', 'orders/orders.bench.ts', 'payment/payment.bench.ts', 'edge/edge.bench.ts', 'seckill/seckill.bench.ts'];
const only = process.argv.slice(2);
let failed = 0;
for (const bench of BENCHES.filter((b) => only.length === 0 || only.some((o) => b.startsWith(o)))) {
  console.log(`\n===== bench/${bench}`);
  const r = spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', `bench/${bench}`], { stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${bench} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
