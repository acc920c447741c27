# syntax=docker/dockerfile:1.7
#
# One Dockerfile, one image per app. Each app is built from its own `turbo prune --docker`
# workspace (only the packages it depends on), so a change to one app rebuilds only its image,
# and the dependency layer is rebuilt only when a manifest or the lockfile changes.
#
#   docker build --target gateway  -t agentidp/gateway:dev .     (also the default target)
#   docker build --target registry -t agentidp/registry:dev .    (auth, audit, billing alike)
#   docker build --target migrate  -t agentidp/migrate:dev .     (the one-shot migration job)
#   docker compose build                                         (all of them, see compose.yaml)
#
# Every runtime image: Node 24 slim, production dependencies only, uid 10001 (no root), nothing
# written outside /tmp (run it with a read-only root filesystem and a tmpfs/emptyDir on /tmp),
# a HEALTHCHECK, OCI labels. Pin the base by digest for reproducible builds:
#   --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>
#
# The developer portal (apps/portal, Next.js on :3001) gets the same pair of stages when it
# exists: `portal` in the prune loop, a `portal-build` stage like gateway-build, and a `portal`
# target with a HEALTHCHECK on http://127.0.0.1:3001/.

ARG NODE_IMAGE=node:24-bookworm-slim

# ── base: Node 24 with the pinned pnpm (package.json `packageManager`) and turbo (lockfile) ──
FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=10.34.8
ARG TURBO_VERSION=2.11.11
# CI=true: pnpm never waits for a confirmation that no one can type during a build.
ENV CI=true \
    npm_config_store_dir=/pnpm/store \
    TURBO_TELEMETRY_DISABLED=1 \
    NEXT_TELEMETRY_DISABLED=1
RUN npm install -g "pnpm@${PNPM_VERSION}" "turbo@${TURBO_VERSION}" \
 && npm cache clean --force \
 && test "$(pnpm -v)" = "${PNPM_VERSION}"
COPY --chmod=755 deploy/docker/build-app.sh /usr/local/bin/build-app
WORKDIR /repo

# ── prune: one pruned workspace per app: json/ (manifests + pruned lockfile) and full/ (sources)
FROM base AS prune
COPY . .
RUN for app in gateway registry auth audit billing launcher; do \
      turbo prune "@agentidp/${app}" --docker --out-dir "/pruned/${app}" || exit 1; \
    done

# ── <app>-build: install the pruned workspace (a layer cached until its manifests or lockfile
#    change), then build-app (deploy/docker/build-app.sh): build, production dependencies only.
FROM base AS gateway-build
COPY --from=prune /pruned/gateway/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/gateway/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/gateway

FROM base AS registry-build
COPY --from=prune /pruned/registry/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/registry/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/registry

FROM base AS auth-build
COPY --from=prune /pruned/auth/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/auth/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/auth

FROM base AS audit-build
COPY --from=prune /pruned/audit/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/audit/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/audit

FROM base AS billing-build
COPY --from=prune /pruned/billing/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/billing/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/billing

# The migration job is the launcher's migrate.js: it applies all four services' migrations.
FROM base AS migrate-build
COPY --from=prune /pruned/launcher/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /pruned/launcher/full/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/launcher

# ── runtime: what every app image starts from: no compiler, no pnpm, no root ──────────────────
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.vendor="SentryAgent.ai" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.base.name="node:24-bookworm-slim"
ENV NODE_ENV=production
# A numeric uid so Kubernetes can enforce runAsNonRoot; no home, no shell. The package managers
# are build tools: the runtime image does without them.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm \
      /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --system --gid 10001 agentidp \
 && useradd --system --uid 10001 --gid agentidp --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin agentidp

# ── grpc-runtime: the gRPC services' health check: grpc.health.v1.Health/Check for "" must
#    answer SERVING (response bytes 08 01), using the service's own @grpc/grpc-js and its own
#    internal certificate from GRPC_TLS_DIR (internal gRPC is mutual TLS only). Each service
#    target sets GRPC_HEALTH_PORT to its port (set it too if you change <SERVICE>_GRPC_PORT).
FROM runtime AS grpc-runtime
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "-e", "const g=require('@grpc/grpc-js'),f=require('fs'),r=(n)=>f.readFileSync(process.env.GRPC_TLS_DIR+'/'+n);new g.Client('127.0.0.1:'+process.env.GRPC_HEALTH_PORT,g.credentials.createSsl(r('ca.crt'),r('tls.key'),r('tls.crt'),{checkServerIdentity:()=>undefined}),{'grpc.ssl_target_name_override':'localhost'}).makeUnaryRequest('/grpc.health.v1.Health/Check',(b)=>b,(b)=>b,Buffer.alloc(0),new g.Metadata(),{deadline:Date.now()+3000},(e,r)=>process.exit(!e&&r&&r[0]===8&&r[1]===1?0:1))"]

# ── targets ───────────────────────────────────────────────────────────────────────────────────
# Owned by root and read-only for the app user: the process cannot rewrite its own code.

FROM runtime AS migrate
LABEL org.opencontainers.image.title="agentidp-migrate" \
      org.opencontainers.image.description="AgentIdP one-shot job: applies the SQL migrations of registry, auth, audit and billing, then exits"
COPY --from=migrate-build /repo /app
WORKDIR /app/apps/launcher
USER 10001:10001
# A job that exits when done: nothing to probe.
HEALTHCHECK NONE
CMD ["node", "dist/migrate.js"]

FROM grpc-runtime AS registry
LABEL org.opencontainers.image.title="agentidp-registry" \
      org.opencontainers.image.description="AgentIdP registry: organizations, agents, credentials (gRPC)"
COPY --from=registry-build /repo /app
WORKDIR /app/apps/registry
ENV GRPC_HEALTH_PORT=50051
USER 10001:10001
EXPOSE 50051
CMD ["node", "dist/main.js"]

FROM grpc-runtime AS auth
LABEL org.opencontainers.image.title="agentidp-auth" \
      org.opencontainers.image.description="AgentIdP auth: signing keys, token issuance, introspection, revocation (gRPC)"
COPY --from=auth-build /repo /app
WORKDIR /app/apps/auth
ENV GRPC_HEALTH_PORT=50052
USER 10001:10001
EXPOSE 50052
CMD ["node", "dist/main.js"]

FROM grpc-runtime AS audit
LABEL org.opencontainers.image.title="agentidp-audit" \
      org.opencontainers.image.description="AgentIdP audit: hash-chained audit log, analytics, compliance (gRPC; Prometheus on :9464)"
COPY --from=audit-build /repo /app
WORKDIR /app/apps/audit
ENV GRPC_HEALTH_PORT=50053
USER 10001:10001
EXPOSE 50053 9464
CMD ["node", "dist/main.js"]

FROM grpc-runtime AS billing
LABEL org.opencontainers.image.title="agentidp-billing" \
      org.opencontainers.image.description="AgentIdP billing: tiers, usage, Stripe checkout and webhooks (gRPC)"
COPY --from=billing-build /repo /app
WORKDIR /app/apps/billing
ENV GRPC_HEALTH_PORT=50054
USER 10001:10001
EXPOSE 50054
CMD ["node", "dist/main.js"]

# Last, so a plain `docker build .` produces the gateway.
FROM runtime AS gateway
LABEL org.opencontainers.image.title="agentidp-gateway" \
      org.opencontainers.image.description="AgentIdP gateway: the public REST and OAuth 2.0 API (HTTP :3000, /metrics)"
COPY --from=gateway-build /repo /app
WORKDIR /app/apps/gateway
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
