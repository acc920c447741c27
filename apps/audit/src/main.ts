import { runServiceMain } from '@agentidp/nest-kit';
import { loadAuditConfig } from './config';
import { auditService } from './service';

void runServiceMain(auditService, loadAuditConfig, process.env, process.argv);
