export { sample } from '../src/testing/metrics';
