import { runServiceMain } from '@agentidp/nest-kit';
import { loadRegistryConfig } from './config';
import { registryService } from './service';

void runServiceMain(registryService, loadRegistryConfig, process.env, process.argv);
