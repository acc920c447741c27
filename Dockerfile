# syntax=docker/dockerfile:1
#
# One image for every app of the monorepo. compose.yaml (and later the Helm chart) picks what a
# container runs:
#   node apps/launcher/dist/migrate.js    apply all four services' migrations, then exit
#   node apps/<svc>/dist/main.js          registry | auth | audit | billing (gRPC :50051–:50054)
#   node apps/<svc>/dist/main.js migrate  one service's migrations, then exit
#   node apps/gateway/dist/main.js        the public HTTP API (:3000) — the default command
#
#   docker build -t agentidp:local .

ARG NODE_IMAGE=node:24-bookworm-slim

# ── base: Node 24 + the pinned pnpm ───────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=10.34.8
# CI=true: pnpm never waits for a confirmation that no one can type during a build.
ENV CI=true \
    PNPM_STORE_DIR=/pnpm/store \
    TURBO_TELEMETRY_DISABLED=1 \
    NEXT_TELEMETRY_DISABLED=1
RUN npm install -g "pnpm@${PNPM_VERSION}" \
 && npm cache clean --force \
 && test "$(pnpm -v)" = "${PNPM_VERSION}"
WORKDIR /app

# ── deps: download every package named by the lockfile (cached until the lockfile changes) ──
FROM base AS deps
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --frozen-lockfile --store-dir "${PNPM_STORE_DIR}"

# ── build: install, generate, compile, then drop the development dependencies ────────────────
FROM deps AS build
COPY . .
RUN pnpm install --frozen-lockfile --prefer-offline --store-dir "${PNPM_STORE_DIR}"
RUN pnpm build
# Reinstall with production dependencies only (~90 MB instead of ~360 MB; an in-place `--prod`
# leaves the dev packages in node_modules/.pnpm). The compiled dist/ folders and SQL migrations stay.
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules tooling/*/node_modules tests/*/node_modules \
 && pnpm install --frozen-lockfile --offline --prod --store-dir "${PNPM_STORE_DIR}" \
 && rm -rf .turbo apps/*/test apps/*/.turbo apps/*/.cache packages/*/test packages/*/.turbo packages/*/.cache tests/*/test

# ── runtime: no compiler, no dev dependencies, no root ───────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
RUN groupadd --system --gid 1001 agentidp \
 && useradd --system --uid 1001 --gid agentidp --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin agentidp
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=build /app /app
USER 1001:1001
EXPOSE 3000 50051 50052 50053 50054
CMD ["node", "apps/gateway/dist/main.js"]
