/**
 * Self time of a V8 CPU profile (the BENCH_*_CPU_PROFILE files), grouped by who owns the code: a
 * package under node_modules, a directory of src/, Node's own modules, GC. The busy time excludes
 * (idle); `--per N` divides it by N units of work (e.g. orders placed) to print ms per unit.
 *
 *   node --import @swc-node/register/esm-register bench/lib/profile-summary.ts api.cpuprofile --per 2414
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from: a package, a directory of src/ or bench/, a Node module. */
function place(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(src|bench)\/(.+)\/[^/]+$/.exec(url);
  if (src) return `${src[1]}/${src[2]!.split('/').slice(0, 2).join('/')}`;
  return url;
}

/**
 * Native code and Node's own modules (a socket write, a timer) are charged to the nearest caller
 * in a package or in the project: `mysql2 > node:internal writeBuffer` is MySQL's socket writes.
 */
function owner(node: ProfileNode, parentOf: Map<number, ProfileNode>): string {
  const { url, functionName } = node.callFrame;
  if (!url && functionName.startsWith('(')) return functionName;
  const self = url ? place(url) : 'native';
  if (url && !url.startsWith('node:')) return self;
  let caller = parentOf.get(node.id);
  while (caller && (!caller.callFrame.url || caller.callFrame.url.startsWith('node:'))) caller = parentOf.get(caller.id);
  return `${caller ? place(caller.callFrame.url) : '(top)'} > ${self}${url ? '' : ` ${functionName || '?'}`}`;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [--per N] [--top K]');
  process.exit(2);
}
const per = Number(values.per ?? 0) || 0;
const top = Number(values.top) || 25;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, ProfileNode>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n);
const selfUs = new Map<string, number>();
let busyUs = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id)!;
  const us = profile.timeDeltas[i] ?? 0;
  const who = owner(node, parentOf);
  if (who === '(idle)') return;
  busyUs += us;
  selfUs.set(who, (selfUs.get(who) ?? 0) + us);
});
console.log(`busy ${(busyUs / 1000).toFixed(0)} ms${per ? `, ${(busyUs / 1000 / per).toFixed(3)} ms per unit` : ''}`);
for (const [who, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const share = ((100 * us) / busyUs).toFixed(1).padStart(5);
  console.log(`${share}%  ${per ? `${(us / 1000 / per).toFixed(3)} ms  ` : ''}${who}`);
}
