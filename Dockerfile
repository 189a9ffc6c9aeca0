# syntax=docker/dockerfile:1
# The operator image: Node.js 24 LTS, production dependencies only, non-root, and nothing written
# at run time, so it runs with a read-only root filesystem.
#   docker build -t apigw-operator:dev .
# Without a registry (CI, these machines): bash hack/build-image.sh installs and starts Docker,
# builds local stand-ins for the two base images below, then this file.
# The build stages use the exact Node.js release the tests run on (the `node` devDependency in
# package.json; a unit test keeps them equal); the runtime is distroless Node.js 24: no shell, no
# package manager, a numeric non-root user.

# Compiles TypeScript to dist/ with the full dependency set.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only; none of them needs an install script. Type declarations and source
# maps are never loaded at run time and are a third of the size.
FROM node:24.21.0-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
RUN find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# package.json carries "type": "module", which makes Node.js load dist/ as ES modules.
COPY package.json ./
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/src/main.js"]
