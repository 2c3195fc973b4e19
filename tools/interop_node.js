// Google's official Node.js client against `ccai-lro emulator`, over gRPC and over REST
// (`fallback: "rest"`), unchanged but for the endpoint. Not part of `cargo test` (it needs npm):
//
//   mkdir -p /tmp/node && cd /tmp/node && npm init -y && npm install @google-cloud/contact-center-insights
//   NODE_PATH=/tmp/node/node_modules node tools/interop_node.js target/debug/ccai-lro
//
// With --tls the emulator serves TLS with a certificate made for the run by openssl; gRPC
// trusts its CA through grpc.credentials.createSsl, HTTPS REST through NODE_EXTRA_CA_CERTS (read
// at start, so the script runs itself again with it set):
//
//   NODE_PATH=/tmp/node/node_modules node tools/interop_node.js target/debug/ccai-lro --tls
//
// Starts one emulator; with each transport: CreateIssueModel and its result through the LRO,
// get, list and cancel operations, NOT_FOUND for an unknown name. Last line `interop: ok`.
// Never look for a metadata server (this machine talks to nothing but itself).
process.env.METADATA_SERVER_DETECTION = "none";
const { spawn, execFileSync, spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
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

// A CA and a certificate for localhost signed by it, made by openssl in a fresh directory.
function certificates() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interop-node-"));
  const run = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=interop CA");
  run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");
  return dir;
}

async function main() {
  const binary = process.argv[2] || "target/release/ccai-lro";
  const tls = process.argv.includes("--tls");
  let pki = process.env.INTEROP_PKI;
  if (tls && !pki) {
    // Node reads NODE_EXTRA_CA_CERTS at start: run again with it.
    pki = certificates();
    const env = { ...process.env, INTEROP_PKI: pki, NODE_EXTRA_CA_CERTS: path.join(pki, "ca.pem") };
    const again = spawnSync(process.execPath, process.argv.slice(1), { env, stdio: "inherit" });
    process.exit(again.status === null ? 1 : again.status);
  }
  const args = ["emulator", "--listen", "127.0.0.1:0"];
  if (tls) args.push("--tls-cert", path.join(pki, "server.pem"), "--tls-key", path.join(pki, "server.key"));
  const emu = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const addr = await new Promise((resolve) => readline.createInterface({ input: emu.stdout }).once("line", resolve));
    const [ip, port] = addr.split(":");
    const host = tls ? "localhost" : ip;
    const sslCreds = tls ? grpc.credentials.createSsl(fs.readFileSync(path.join(pki, "ca.pem"))) : grpc.credentials.createInsecure();
    await flow(new ContactCenterInsightsClient({ apiEndpoint: host, port: Number(port), sslCreds, projectId: "interop" }), tls ? "grpc+tls" : "grpc");
    await flow(new ContactCenterInsightsClient({ apiEndpoint: host, port: Number(port), fallback: "rest", protocol: tls ? "https" : "http", authClient: anonymous, projectId: "interop" }), tls ? "https" : "rest");
    console.log("interop: ok");
  } finally {
    emu.kill("SIGTERM");
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
