import { runServiceMain } from '@agentidp/nest-kit';
import { loadOrExit } from '@agentidp/shared/config';
import { createLogger } from '@agentidp/shared/runtime';
import { loadAuthConfig } from './config';
import { rotateSigningKey } from './rotate-key';
import { authService } from './service';

/**
 * `node dist/main.js`            serve (SIGTERM/SIGINT: graceful stop, exit 0);
 * `node dist/main.js migrate`    apply auth's migrations and exit;
 * `node dist/main.js rotate-key` rotate the signing key now and exit (prints the new kid).
 */
if (process.argv[2] === 'rotate-key') {
  const config = loadOrExit(() => loadAuthConfig(process.env));
  rotateSigningKey(config).then(
    (rotation) => {
      process.stdout.write(
        `${JSON.stringify({
          kid: rotation.kid,
          alg: rotation.alg,
          retired_kid: rotation.retiredKid ?? null,
          retired_publish_until: rotation.retiredPublishUntil?.toISOString() ?? null,
        })}\n`,
      );
      process.exit(0);
    },
    (error: unknown) => {
      createLogger({ name: 'auth', level: config.logLevel }).fatal({ err: error }, 'key rotation failed');
      process.exit(1);
    },
  );
} else {
  void runServiceMain(authService, loadAuthConfig, process.env, process.argv);
}
