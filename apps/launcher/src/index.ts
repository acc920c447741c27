export { loadLauncherConfig, type LauncherConfig } from './config';
export { startStack, type RunningStack, type StartStackOptions } from './stack';
