import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMITTED = join(ROOT, 'clients/miniprogram/src/generated');

describe('the kit\'s typed operations (clients/miniprogram/src/generated)', () => {
  it('match what codegen makes from schema/schema.graphql and test/operations (run `npm run codegen:client`)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'wxshop-codegen-'));
    try {
      await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js'), '--config', 'clients/miniprogram/codegen.ts', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, WXSHOP_CODEGEN_OUT: `${out}/` },
      });
      const fresh = readdirSync(out).sort();
      expect(readdirSync(COMMITTED).sort()).toEqual(fresh);
      for (const file of fresh) {
        expect({ file, text: readFileSync(join(COMMITTED, file), 'utf8') }).toEqual({ file, text: readFileSync(join(out, file), 'utf8') });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
