import { runServiceMain } from '@agentidp/nest-kit';
import { loadAuthConfig } from './config';
import { authService } from './service';

void runServiceMain(authService, loadAuthConfig, process.env, process.argv);
