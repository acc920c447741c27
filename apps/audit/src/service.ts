import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { AUDIT_PROTO } from '@agentidp/proto';
import { AGENTID_AUDIT_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { EventsModule } from './events/events.module';

/** The audit service: event intake (every outbox relay's sink). It has no outbox of its own. */
export const auditService: ServiceDefinition = {
  name: 'audit',
  api: { packageName: AGENTID_AUDIT_V1_PACKAGE_NAME, protoFile: AUDIT_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [EventsModule],
  outbox: false,
};
