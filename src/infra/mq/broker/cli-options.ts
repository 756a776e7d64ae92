/**
 * The standalone broker's declarations (cli.ts): typed topics and FIFO groups, from flags and/or a
 * JSON file, on top of the service's catalogue (topics.ts) unless --no-default-catalogue.
 *
 *   --topics OrdersA:FIFO,Delays:DELAY,Plain      (a name without a type is NORMAL)
 *   --fifo-groups cg-a,cg-b                        (a trailing * declares a prefix: cg-sub-*)
 *   --config broker.json                           {"topics":{"T":"FIFO"},"fifoGroups":["g","p-*"],"autoCreateTopics":false}
 */
import { readFileSync } from 'node:fs';
import { FIFO_CONSUMER_GROUPS, FIFO_CONSUMER_GROUP_PREFIXES, TOPIC_TYPES, type TopicMessageType } from '../topics.js';

const TYPES: readonly TopicMessageType[] = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

export interface BrokerDeclarations {
  topics: Record<string, TopicMessageType>;
  fifoGroups: string[];
  fifoGroupPrefixes: string[];
  autoCreateTopics: boolean;
}

export interface DeclarationFlags {
  topics?: string;
  'fifo-groups'?: string;
  config?: string;
  'default-catalogue'?: boolean;
  'auto-create-topics'?: boolean;
}

function topicType(raw: string, where: string): TopicMessageType {
  const type = raw.trim().toUpperCase() as TopicMessageType;
  if (!TYPES.includes(type)) throw new Error(`${where}: unknown message type "${raw}" (one of ${TYPES.join(', ')})`);
  return type;
}

function addGroups(into: BrokerDeclarations, names: readonly string[]): void {
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    if (name.endsWith('*')) into.fifoGroupPrefixes.push(name.slice(0, -1));
    else into.fifoGroups.push(name);
  }
}

export function brokerDeclarations(flags: DeclarationFlags, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): BrokerDeclarations {
  const withDefaults = flags['default-catalogue'] !== false;
  const out: BrokerDeclarations = {
    topics: withDefaults ? { ...TOPIC_TYPES } : {},
    fifoGroups: withDefaults ? [...FIFO_CONSUMER_GROUPS] : [],
    fifoGroupPrefixes: withDefaults ? [...FIFO_CONSUMER_GROUP_PREFIXES] : [],
    autoCreateTopics: true,
  };
  if (flags.config) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(flags.config));
    } catch (err) {
      throw new Error(`--config ${flags.config}: ${(err as Error).message}`);
    }
    const file = parsed as { topics?: unknown; fifoGroups?: unknown; autoCreateTopics?: unknown };
    if (typeof file !== 'object' || file === null) throw new Error(`--config ${flags.config}: not a JSON object`);
    if (file.topics !== undefined) {
      if (typeof file.topics !== 'object' || file.topics === null || Array.isArray(file.topics)) throw new Error(`--config ${flags.config}: "topics" must map names to types`);
      for (const [name, type] of Object.entries(file.topics)) out.topics[name] = topicType(String(type), `--config topic ${name}`);
    }
    if (file.fifoGroups !== undefined) {
      if (!Array.isArray(file.fifoGroups)) throw new Error(`--config ${flags.config}: "fifoGroups" must be an array of names`);
      addGroups(out, file.fifoGroups.map(String));
    }
    if (file.autoCreateTopics !== undefined) out.autoCreateTopics = file.autoCreateTopics === true;
  }
  for (const entry of (flags.topics ?? '').split(',')) {
    if (!entry.trim()) continue;
    const [name, type] = entry.split(':');
    out.topics[name.trim()] = type === undefined ? 'NORMAL' : topicType(type, `--topics ${entry}`);
  }
  addGroups(out, (flags['fifo-groups'] ?? '').split(','));
  if (flags['auto-create-topics'] !== undefined) out.autoCreateTopics = flags['auto-create-topics'];
  return out;
}
