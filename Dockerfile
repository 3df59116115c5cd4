# syntax=docker/dockerfile:1
# The connector's worker and webhook server, production style: compiled TypeScript, the
# workflow bundle built here once, a non-root user, only production dependencies.
# Only src/ is built (tsconfig.build.json): sandbox/ and dev/ (npm start) are development tools
# whose packages (tsx, better-sqlite3, @temporalio/testing) are devDependencies, pruned below.
# The connector's state lives in PostgreSQL (DATABASE_URL, required): the image keeps nothing on
# local disk. src/store/embedded.ts (PGlite, for npm start and the tests) is compiled but no
# entry point of the image imports it.
# test/stack/productionBuild.test.ts runs the same recipe without Docker.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && node lib/temporal/bundleWorkflows.js lib/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/lib/workflow-bundle.js \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/lib ./lib
USER node
EXPOSE 3000
# The same image runs either piece: `node lib/worker.js` (default) or `node lib/starter/webhookServer.main.js`.
CMD ["node", "lib/worker.js"]
