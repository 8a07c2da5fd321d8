# The mhaflow worker image (used by docker-compose.yml): the product only (.dockerignore leaves out lab/, test/, bench/).
FROM node:20-bookworm-slim
# tini as PID 1: it passes SIGTERM on to mhaflow (which stops gracefully: running steps get MHAFLOW_SHUTDOWN_GRACE)
# and reaps the processes hooks leave behind.
RUN apt-get update && apt-get install -y --no-install-recommends procps openssh-client tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The prepare script (the failover command's bundle) needs the sources: it runs below, once they are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/build-cli.mjs
USER node
STOPSIGNAL SIGTERM
# Any mhaflow command: `docker run IMAGE failover --cluster app1`; the default is a worker.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/mhaflow.js"]
CMD ["worker"]
