# syntax=docker/dockerfile:1
# One image for every role: `serve` (API), `worker` (deliveries + sweeper), `all` (both, the embedded
# default), and the one-shot `migrate`, `keys init`, `apikey create`. See docker-compose.yml.

# --- build: compile TypeScript to dist/ -------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, for the layer cache. --ignore-scripts: the root `prepare` script runs the build,
# and the sources are not copied yet.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
COPY bench ./bench
RUN npm run build

# --- runtime: production dependencies, compiled code and the files read at run time ---------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# --ignore-scripts: `prepare` would run the TypeScript build, and TypeScript is a dev dependency.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
# The package root is the folder whose package.json is named "lienthong" (src/paths.ts), here /app:
# schemas/ (src/schema-catalogue.ts), src/store/migrations/ (src/store/migrate.ts), src/console/web/ and config/ (the
# default LIENTHONG_CONFIG, config/default.json, is resolved from the working directory, /app).
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY config ./config
COPY src/store/migrations ./src/store/migrations
# The web console's own files (plain ES modules and CSS, served as they are: src/console/console-assets.ts).
COPY src/console/web ./src/console/web

# The data folder (embedded database, attachment blobs, development keys) belongs to the unprivileged
# `node` user (uid 1000) of the base image; a new named volume copies this ownership.
RUN mkdir -p /var/lib/lienthong && chown node:node /var/lib/lienthong
USER node
ENV HOST=0.0.0.0 \
    PORT=8080 \
    LIENTHONG_DATA_DIR=/var/lib/lienthong
VOLUME ["/var/lib/lienthong"]
EXPOSE 8080

# Liveness of the API (`serve`, `all`) on PORT. A `worker` listens only when LIENTHONG_METRICS_PORT is
# set; point its healthcheck there (docker-compose.yml does) or disable it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "--max-semi-space-size=32", "dist/src/cli.js"]
CMD ["all"]
