# syntax=docker/dockerfile:1
# Tessera: multi-stage build on Debian bookworm (glibc, so the prebuilt native addons fit), non-root at run time.
# Build:  docker build -t tessera .
# Run:    docs/docker.md
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: native addons and the TypeScript compile ------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 and argon2 use prebuilt binaries when one matches and compile with node-gyp otherwise;
# @hanazuki/node-jsonnet always compiles (cmake-js). The toolchain stays in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ cmake ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# dist/ mirrors src/, so the paths resolved from import.meta.url (../../package.json, ../../../migrations) hold.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# libuv's thread pool runs argon2 and token signatures; 8 threads let up to 6 hashes run at once and keep 2 for
# signing (tessera.limits.hashing_concurrency is held to UV_THREADPOOL_SIZE - 2).
ENV NODE_ENV=production \
    DSN=sqlite:///var/lib/tessera/tessera.db?_fk=true \
    UV_THREADPOOL_SIZE=8
RUN groupadd --system --gid 10001 tessera \
 && useradd --system --uid 10001 --gid tessera --home-dir /var/lib/tessera --shell /usr/sbin/nologin tessera \
 && mkdir -p /var/lib/tessera /etc/tessera/keys \
 && chown tessera:tessera /var/lib/tessera /etc/tessera/keys \
 && chmod 0700 /var/lib/tessera /etc/tessera/keys
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY templates ./templates
COPY docker/kratos.yml /etc/tessera/kratos.yml
USER tessera
# SQLite database (and its WAL) | signing keys (generated on first start unless provided; see keys/README.md).
VOLUME ["/var/lib/tessera", "/etc/tessera/keys"]
# Public API | admin API (loopback-only unless SERVE_ADMIN_HOST=0.0.0.0 and TESSERA_ADMIN_API_KEY are set).
EXPOSE 4433 4434
# The slim image has no curl: Node's own fetch asks the readiness endpoint (it checks the database).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SERVE_PUBLIC_PORT || 4433) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: it stops accepting, drains (tessera.shutdown.grace_period) and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve", "-c", "/etc/tessera/kratos.yml"]
