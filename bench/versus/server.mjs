// The customer360 graph served by the Neo4j GraphQL Library (@neo4j/graphql 7), to benchmark our
// API against (bench/versus/run.py). Read-only, no authentication, one Node process.
//
//   PORT=8001 NEO4J_BOLT_PORT=7687 NEO4J_PASSWORD=... node bench/versus/server.mjs
//   VERSUS_HTTP=apollo ...  (@apollo/server standalone instead of graphql-yoga, the default: the two
//                            measured the same within noise, `run.py --http both` compares them)
//
// Neo4j: NEO4J_URI, or bolt://127.0.0.1:$NEO4J_BOLT_PORT; NEO4J_USER (neo4j), NEO4J_PASSWORD,
// NEO4J_DATABASE (neo4j): the same variables as graph/config.py. Settings follow the library's
// optimisation page: no debug, deprecated fields and mutations left out (a smaller schema), the
// database name always passed (no home-database round trip), default `features` otherwise; the
// one feature turned on is the `gt` filter on strings, so pages of customers are keyset pages
// (`where: {id: {gt: $after}}`) like ours, not offsets. POST /graphql answers GraphQL (with
// @apollo/server, every path does).

import { createServer } from "node:http";

import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

// Our graph as it is in Neo4j (docs/graph-model.md): only what the workloads read. A relationship
// to at most one node (an interaction's or a line's product) is a list, asked for with `limit: 1`
// and a sort by id, so that the one taken is the one our API takes whatever the data holds.
export const typeDefs = /* GraphQL */ `
  extend schema @mutation(operations: [])

  type Customer @node(labels: ["Party", "Customer"]) {
    id: String!
    kind: String
    name: String
    email: String
    status: String
    segment: String
    createdAt: Date
    revenue: Float
    interactions: [Interaction!]! @relationship(type: "HAD", direction: OUT)
    orders: [Order!]! @relationship(type: "PLACED", direction: OUT)
    surveyResponses: [SurveyResponse!]! @relationship(type: "RESPONDED", direction: OUT)
    referredBy: [Party!]! @relationship(type: "REFERRED", direction: IN, properties: "Referred")
    households: [Household!]!
      @relationship(type: "MEMBER_OF", direction: OUT, properties: "MemberOf")
    members: [Person!]! @relationship(type: "MEMBER_OF", direction: IN, properties: "MemberOf")
  }

  type Party @node(labels: ["Party"]) {
    id: ID!
    kind: String
    name: String
  }

  type Person @node(labels: ["Party", "Person"]) {
    id: ID!
    kind: String
    name: String
    manager: [Person!]! @relationship(type: "REPORTS_TO", direction: OUT)
    interactions: [Interaction!]! @relationship(type: "HAD", direction: OUT)
  }

  type Account @node(labels: ["Party", "Customer", "Organization"]) {
    id: ID!
    kind: String
    name: String
    committee: [Person!]! @relationship(type: "ON_COMMITTEE", direction: IN, properties: "OnCommittee")
    contacts: [Person!]! @relationship(type: "WORKS_FOR", direction: IN, properties: "WorksFor")
  }

  type Household @node(labels: ["Party", "Household"]) {
    id: ID!
    kind: String
    name: String
    members: [Person!]! @relationship(type: "MEMBER_OF", direction: IN, properties: "MemberOf")
  }

  type Interaction @node {
    id: ID!
    at: DateTime!
    channel: String!
    direction: String
    type: String
    outcome: String
    sentiment: Float
    products: [Product!]! @relationship(type: "ABOUT", direction: OUT)
  }

  type Order @node {
    id: ID!
    date: Date
    amount: Float
    currency: String
    status: String
    lines: [OrderLine!]! @relationship(type: "HAS_LINE", direction: OUT)
  }

  type OrderLine @node {
    id: ID!
    lineNo: Int
    quantity: Int
    amount: Float
    products: [Product!]! @relationship(type: "OF_PRODUCT", direction: OUT)
  }

  type Product @node {
    id: ID!
    name: String
    category: String
  }

  type SurveyResponse @node {
    id: ID!
    at: DateTime!
    score: Int!
  }

  type Referred @relationshipProperties {
    date: Date
    channel: String
    src: String
  }

  type MemberOf @relationshipProperties {
    role: String
  }

  type OnCommittee @relationshipProperties {
    src: String
    roles: [String!]
    influence: Float
  }

  type WorksFor @relationshipProperties {
    title: String
  }

  # Full-text search: the library's @fulltext wants an index over exactly the fields it declares;
  # ours (party_text) also covers e-mail, so the peer gets the Cypher we would write instead: the
  # index's best hits set a floor on the page's scores, and every hit is read only when hits tied
  # at the floor may lie past them (as customer360's statement, graph/read/best_hits.py).
  type Query {
    searchParties(query: String!, first: Int!): [Party!]!
      @cypher(
        statement: """
        CALL db.index.fulltext.queryNodes('party_text', $query, {limit: 4 * ($first + 1)})
          YIELD node, score
        WITH node, score ORDER BY score DESC
        WITH collect([node, score]) AS best
        WITH best, CASE WHEN size(best) > $first THEN best[$first][1] ELSE -1.0 END AS floor,
             size(best) < 4 * ($first + 1)
             OR (size(best) > $first AND best[-1][1] < best[$first][1]) AS whole
        CALL (best, floor, whole) {
          WITH best, floor, whole WHERE whole
          UNWIND best AS hit
          WITH hit[0] AS node, hit[1] AS score WHERE score >= floor
          RETURN node, score
          UNION ALL
          WITH floor, whole WHERE NOT whole
          CALL db.index.fulltext.queryNodes('party_text', $query) YIELD node, score
          WITH node, score WHERE score >= floor
          RETURN node, score
        }
        WITH node, score ORDER BY score DESC, node.id LIMIT $first
        RETURN node
        """
        columnName: "node"
      )
  }
`;

const env = process.env;
const uri = env.NEO4J_URI || `bolt://127.0.0.1:${env.NEO4J_BOLT_PORT || "7687"}`;
const database = env.NEO4J_DATABASE || "neo4j";
const driver = neo4j.driver(
  uri,
  neo4j.auth.basic(env.NEO4J_USER || "neo4j", env.NEO4J_PASSWORD || "customer360-dev"),
);

const neoSchema = new Neo4jGraphQL({
  typeDefs,
  driver,
  features: {
    filters: { String: { GT: true } },
    excludeDeprecatedFields: {
      mutationOperations: true,
      aggregationFilters: true,
      aggregationFiltersOutsideConnection: true,
      relationshipFilters: true,
      attributeFilters: true,
    },
  },
});
const schema = await neoSchema.getSchema();
await driver.verifyConnectivity({ database });
const context = async () => ({ sessionConfig: { database } });

const port = Number(env.PORT || 4000);
const host = "127.0.0.1";

if ((env.VERSUS_HTTP || "yoga") === "apollo") {
  const { ApolloServer } = await import("@apollo/server");
  const { startStandaloneServer } = await import("@apollo/server/standalone");
  const apollo = new ApolloServer({ schema, introspection: false });
  // The standalone server answers every path; a GET without a query is its health check.
  await startStandaloneServer(apollo, { listen: { port, host }, context });
} else {
  const { createYoga } = await import("graphql-yoga");
  const yoga = createYoga({
    schema,
    context,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/healthz",
    graphiql: false,
    landingPage: false,
    logging: false,
  });
  createServer(yoga).listen(port, host);
}

const stop = async () => {
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.error(`@neo4j/graphql on http://${host}:${port}/graphql (${env.VERSUS_HTTP || "yoga"})`);
