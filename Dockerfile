# The Discord bot as a container. Build: docker build -t summit-bot .   Run: see compose.yaml and
# README, "Deploying". One instruction per line (no "\" continuations): CI's production smoke
# test (test/production/) reads this file and runs the same COPY/RUN steps, CMD and HEALTHCHECK
# in a clean folder, because no Docker engine runs on our CI machines.

# Build stage: compilers for hnswlib-node's native addon, every dependency, the TypeScript build,
# then the dev dependencies (tsx, typescript, vitest, ...) pruned away.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime stage: Node only (no compilers), a non-root user, the data folder as a volume.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
ENV DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prompts ./prompts
COPY seeds ./seeds
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The bot drains on SIGTERM: answers in flight finish (up to 8 s), members are told, feedback is flushed.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["node", "dist/cli/bin.js", "health"]
CMD ["node", "dist/cli/bin.js", "bot"]
