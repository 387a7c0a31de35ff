#!/usr/bin/env -S node --max-semi-space-size=32
import './cli/threadpool.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rotateDevKeys } from './cli/rotate-dev-keys.js';
import { runProcess } from './cli/run-process.js';
import { loadEnv } from './config/load-env.js';
import { createDevPki, writeDevPki } from './crypto/dev-pki.js';
import type { JwsAlg } from './crypto/jws.js';
import { isHubError } from './errors.js';
import { createLogger } from './logger.js';
import { createSchemaCatalogue } from './schema-catalogue.js';
import { migrate } from './store/migrate.js';
import { openDb } from './store/open-db.js';

const USAGE = `lienthong <command>

  serve                 run the HTTP API
  worker                run the delivery worker and the sweeper
  all                   API + worker in one process (the embedded default)
  migrate               apply database migrations and exit
  keys init [--alg ES256|RS256] [--force]
                        make a development CA and hub certificate in <data>/keys
  keys rotate [--alg ES256|RS256]
                        new development hub key from that CA; the old chain goes to <data>/keys/retired
  apikey create (--agency CODE | --role admin|operator|auditor) [--label TEXT]
                        create an API key; prints it once
  account create --username U --role admin|operator|auditor
                        create a console account; the password is read from stdin (first line)
  account unlock --username U
                        lift a lockout after repeated failed logins
  account disable|enable --username U
                        stop an account logging in (its sessions end), or let it in again
  audit verify [--ca FILE] [--hub-keys FILE] [--json]
                        walk the audit chain and its signed checkpoints; name the first altered,
                        removed, inserted or reordered event (exit status 1)
  demo                  run the one-command demo (hub, simulators, documents, summary)

Environment: see README "Configuration" (LIENTHONG_DATA_DIR, DATABASE_URL, REDIS_URL, …).`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const catalogue = createSchemaCatalogue();
  const env = () => loadEnv(process.env, catalogue);
  switch (command) {
    case 'serve':
    case 'worker':
    case 'all': {
      const e = env();
      await runProcess(e, createLogger(e.logLevel), { api: command !== 'worker', worker: command !== 'serve' });
      return;
    }
    case 'migrate': {
      const e = env();
      const log = createLogger(e.logLevel);
      const db = await openDb({ ...(e.databaseUrl ? { databaseUrl: e.databaseUrl } : {}), dataDir: e.dataDir, log });
      try {
        const { applied } = await migrate(db, { log });
        console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      } finally {
        await db.close();
      }
      return;
    }
    case 'keys': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { alg: { type: 'string' }, force: { type: 'boolean', default: false } } });
      if (positionals[0] !== 'init' && positionals[0] !== 'rotate') throw new Error(`unknown keys subcommand ${positionals[0] ?? ''}\n\n${USAGE}`);
      if (values.alg !== undefined && values.alg !== 'ES256' && values.alg !== 'RS256') throw new Error('--alg must be ES256 or RS256');
      // A rotation never overwrites (the retired key stays beside the new one): --force would promise what it does not do.
      if (positionals[0] === 'rotate' && values.force) throw new Error('--force is for keys init; keys rotate keeps the retired key and never overwrites');
      const e = env();
      const dir = join(e.dataDir, 'keys');
      if (positionals[0] === 'rotate') {
        const done = await rotateDevKeys(dir, values.alg ? { alg: values.alg as JwsAlg } : {});
        console.log(`new development hub key (${done.alg}) active: kid ${done.kid}\n  hub chain   ${done.chainPath}\nretired: kid ${done.retiredKid}\n  chain       ${done.retiredChainPath}\nRestart the hub with\n  LIENTHONG_HUB_KEYS_RETIRED=${done.retiredChainPaths.join(',')}\nso that receipts signed with the retired keys stay verifiable (GET /v1/hub/keys).`);
        return;
      }
      await mkdir(dir, { recursive: true });
      const alg = (values.alg ?? 'ES256') as JwsAlg;
      const paths = await writeDevPki(dir, await createDevPki({ alg }), { force: values.force });
      console.log(`development CA and hub certificate (${alg}) written:\n  CA          ${paths.caCertPath}\n  hub chain   ${paths.chainPath}\n  hub key     ${paths.hubKeyPath}\nNot for production: load your own PEM or PKCS#12 with LIENTHONG_HUB_CERT/LIENTHONG_HUB_KEY or LIENTHONG_HUB_P12.`);
      return;
    }
    case 'apikey': {
      const { runApiKeyCommand } = await import('./cli/apikey-command.js');
      console.log(await runApiKeyCommand(env(), rest));
      return;
    }
    case 'account': {
      const { runAccountCommand } = await import('./cli/account-command.js');
      console.log(await runAccountCommand(env(), rest, process.stdin));
      return;
    }
    case 'audit': {
      if (rest[0] !== 'verify') throw new Error(`unknown audit subcommand ${rest[0] ?? ''}\n\n${USAGE}`);
      const { runAuditVerify } = await import('./cli/audit-verify.js');
      process.exitCode = await runAuditVerify(env(), rest.slice(1));
      return;
    }
    case 'demo': {
      const { runDemo } = await import('./demo/run-demo.js');
      await runDemo();
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new Error(`unknown command ${command}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = isHubError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
  console.error(`lienthong: ${message}`);
  process.exit(1);
});
