import { runServiceMain } from '@agentidp/nest-kit';
import { loadBillingConfig } from './config';
import { billingService } from './service';

void runServiceMain(billingService, loadBillingConfig, process.env, process.argv);
