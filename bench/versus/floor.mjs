// The Cypher floor through the Node driver (neo4j-driver, the one @neo4j/graphql uses): the
// hand-written statement of a workload, one call at a time, then from concurrent async loops.
// run.py sends on stdin {statement, parameters: [...], n, clients, seconds} and reads on stdout
// {latencies: [s...], times: [s...], rate} (rate in calls per second). Same Neo4j variables as
// server.mjs.

import neo4j from "neo4j-driver";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { statement, parameters, n, clients, seconds } = JSON.parse(Buffer.concat(chunks).toString());

const env = process.env;
const uri = env.NEO4J_URI || `bolt://127.0.0.1:${env.NEO4J_BOLT_PORT || "7687"}`;
const database = env.NEO4J_DATABASE || "neo4j";
const driver = neo4j.driver(
  uri,
  neo4j.auth.basic(env.NEO4J_USER || "neo4j", env.NEO4J_PASSWORD || "customer360-dev"),
);
const config = { database, routing: neo4j.routing.READ };

async function call(i) {
  const began = performance.now();
  const { records } = await driver.executeQuery(statement, parameters[i % parameters.length], config);
  if (records.length !== 1) throw new Error(`expected one row, got ${records.length}`);
  return (performance.now() - began) / 1000;
}

for (let i = 0; i < Math.min(10, parameters.length); i++) await call(i); // warm up
const latencies = [];
for (let i = 0; i < n; i++) latencies.push(await call(i));

const times = [];
const stop = performance.now() + seconds * 1000;
const began = performance.now();
await Promise.all(
  Array.from({ length: clients }, async (_, k) => {
    for (let i = k; performance.now() < stop; i += clients) times.push(await call(i));
  }),
);
const rate = times.length / ((performance.now() - began) / 1000);
await driver.close();
process.stdout.write(JSON.stringify({ latencies, times, rate }));
