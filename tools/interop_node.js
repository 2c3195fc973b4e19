// Google's official Node.js client against `ccai-lro emulator`, over gRPC and over REST
// (`fallback: "rest"`), unchanged but for the endpoint. Not part of `cargo test` (it needs npm):
//
//   mkdir -p /tmp/node && cd /tmp/node && npm init -y && npm install @google-cloud/contact-center-insights
//   NODE_PATH=/tmp/node/node_modules node tools/interop_node.js target/debug/ccai-lro
//
// Starts one emulator; with each transport: CreateIssueModel and its result through the LRO,
// get, list and cancel operations, NOT_FOUND for an unknown name. Last line `interop: ok`.
// Never look for a metadata server (this machine talks to nothing but itself).
process.env.METADATA_SERVER_DETECTION = "none";
const { spawn } = require("child_process");
const readline = require("readline");
const { ContactCenterInsightsClient } = require("@google-cloud/contact-center-insights").v1;
const { grpc } = require("google-gax");
const assert = require("assert");

const PARENT = "projects/interop/locations/us-central1";

// No credentials: an emulator needs none.
const anonymous = {
  getRequestHeaders: async () => new Headers(),
  getClient: async () => anonymous,
  fetch: (url, init) => fetch(url, init),
};

async function flow(client, label) {
  const [lro] = await client.createIssueModel({ parent: PARENT, issueModel: { displayName: `node ${label}` } });
  const [model] = await lro.promise();
  assert.strictEqual(model.displayName, `node ${label}`);
  console.log(`${label}: created ${model.name} via ${lro.name}`);
  const [got] = await client.getOperation({ name: lro.name });
  assert.ok(got.done);
  const [running] = await client.deployIssueModel({ name: model.name });
  const listed = [];
  for await (const op of client.listOperationsAsync({ name: PARENT })) listed.push(op.name);
  assert.ok(listed.includes(lro.name) && listed.includes(running.name), listed);
  await client.cancelOperation({ name: running.name });
  const [cancelled] = await client.getOperation({ name: running.name });
  assert.ok(cancelled.done && cancelled.error.code === 1, JSON.stringify(cancelled));
  await assert.rejects(client.getOperation({ name: `${PARENT}/operations/does-not-exist` }), (e) => e.code === 5 || e.code === 404 || /NOT_FOUND|not found/.test(String(e)));
  console.log(`${label}: ok`);
}

async function main() {
  const binary = process.argv[2] || "target/release/ccai-lro";
  const emu = spawn(binary, ["emulator", "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const addr = await new Promise((resolve) => readline.createInterface({ input: emu.stdout }).once("line", resolve));
    const [host, port] = addr.split(":");
    await flow(new ContactCenterInsightsClient({ apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), projectId: "interop" }), "grpc");
    await flow(new ContactCenterInsightsClient({ apiEndpoint: host, port: Number(port), fallback: "rest", protocol: "http", authClient: anonymous, projectId: "interop" }), "rest");
    console.log("interop: ok");
  } finally {
    emu.kill("SIGTERM");
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
