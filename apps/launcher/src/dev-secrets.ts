import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Env } from '@agentidp/shared/config';

/** Server-side secrets a stack cannot run without; production must set them explicitly. */
const GENERATED = ['SECRET_PEPPER', 'KEY_ENCRYPTION_KEY', 'AUDIT_HMAC_KEY', 'WEBHOOK_SECRET_KEY'] as const;

/**
 * Fills in what `pnpm start` needs on a fresh machine: random SECRET_PEPPER, KEY_ENCRYPTION_KEY,
 * AUDIT_HMAC_KEY and WEBHOOK_SECRET_KEY kept in `<DATA_DIR>/secrets.json` (mode 0600) so
 * credentials, signing keys, audit hash chains and webhook secrets stay valid across restarts, and an ISSUER_URL matching the gateway's
 * port. Never in production: there a missing secret must stop the service (its config names the
 * variable).
 */
export function withDevDefaults(env: Env, dataDir: string): Env {
  const out: Env = { ...env };
  if (!out.ISSUER_URL && out.PORT) out.ISSUER_URL = `http://localhost:${out.PORT}`;
  if (out.NODE_ENV === 'production') return out;
  const missing = GENERATED.filter((name) => !out[name]);
  if (missing.length === 0) return out;

  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<Record<(typeof GENERATED)[number], string>> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof stored;
  let changed = false;
  for (const name of missing) {
    if (!stored[name]) {
      stored[name] = crypto.randomBytes(32).toString('base64');
      changed = true;
    }
    out[name] = stored[name];
  }
  if (changed) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return out;
}
