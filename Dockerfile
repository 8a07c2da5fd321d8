# The mhaflow worker image (used by docker-compose.yml): the product only (.dockerignore leaves out lab/, test/, bench/).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends procps openssh-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The prepare script (the failover command's bundle) needs the sources: it runs below, once they are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/build-cli.mjs
USER node
CMD ["node", "bin/mhaflow.js", "worker"]
