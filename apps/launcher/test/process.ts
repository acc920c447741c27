export { killAll, spawnNode, type Spawned } from '../src/testing/processes';
