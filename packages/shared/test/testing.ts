/** The test helpers, from source, so shared's own tests exercise the current code. */
export * from '../src/testing';
