#!/bin/sh
# build-app <package>: run by the Dockerfile's <app>-build stages in a turbo-pruned workspace whose
# dependencies are installed. Builds the package and what it depends on, then keeps production
# dependencies only (a fresh `--prod` install: an in-place prune would leave the dev packages in
# node_modules/.pnpm) and drops sources, tests and build caches. The compiled dist/ folders, SQL
# migrations and .proto files stay: they are read at run time.
set -eu
package="$1"
pnpm turbo run build --filter="${package}..." --output-logs=errors-only
rm -rf node_modules apps/*/node_modules packages/*/node_modules tooling/*/node_modules
pnpm install --frozen-lockfile --prefer-offline --prod
rm -rf .turbo apps/*/src apps/*/test apps/*/.cache packages/*/src packages/*/test packages/*/.cache
