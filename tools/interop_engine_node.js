// Google's official Node.js client (@google-cloud/contact-center-insights) drives the emulator's
// whole resource surface, once over gRPC and once over REST (`fallback: true`: HTTP/1.1 JSON, the
// client asking for `$alt=json;enum-encoding=int`), against one emulator. The Node twin of
// tools/interop_engine_python.py. Not part of `cargo test` (it needs npm). Recipe:
//
//   mkdir -p /tmp/nodeinterop && cd /tmp/nodeinterop && npm init -y && npm install @google-cloud/contact-center-insights
//   NODE_PATH=/tmp/nodeinterop/node_modules node tools/interop_engine_node.js target/debug/ccai-lro
//
// Add `--log` after the binary to have the emulator log one line per request on stderr, and set
// INTEROP_TRACE=1 to see each REST request (method, URL, body) the client sends.
//
// Each transport works in a location of its own (the emulator keeps locations apart) and goes
// through conversations (create, upload, get, list with a filter and pages, update, delete with
// force), analyses, issue models and their issues (deploy, stats), phrase matchers, views,
// analysis rules, settings, the encryption spec, QA scorecards with revisions and questions,
// feedback labels (and ListAllFeedbackLabels), CalculateStats and BulkDeleteConversations,
// checking the AIP errors on the way (ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT,
// FAILED_PRECONDITION). Exit 0 and a last line `interop-engine-node: ok` mean it all held.
//
// Errors are checked by their numeric gRPC `code` on both transports: over gRPC it is the
// status's code; over REST google-gax reads the error body's `status` ("NOT_FOUND", ...) and maps
// it to the same numeric code (falling back to mapping the HTTP status only when the body has no
// `status`), so one assertion serves both.
//
// Over REST the Node client writes a FieldMask query parameter as its paths verbatim
// (`updateMask=agent_id`, proto names, not lowerCamelCase) and an empty message bound to the body
// (`analysis: {}`, `qaScorecardRevision: {}`) as the JSON text `""`; the emulator has to take both.

// Never look for a metadata server (this machine talks to nothing but itself).
process.env.METADATA_SERVER_DETECTION = "none";
const { spawn } = require("child_process");
const readline = require("readline");
const assert = require("assert");
const insights = require("@google-cloud/contact-center-insights");
const { ContactCenterInsightsClient } = insights.v1;
const v1 = insights.protos.google.cloud.contactcenterinsights.v1;
const { grpc } = require("google-gax");

const Status = grpc.status;

// No credentials: an emulator needs none. Every REST request goes through its fetch, which
// prints method, URL and body on stderr when INTEROP_TRACE is set.
const anonymous = {
  getRequestHeaders: async () => new Headers(),
  getClient: async () => anonymous,
  fetch: (url, init) => {
    if (process.env.INTEROP_TRACE) console.error(`rest> ${init && init.method} ${url} ${(init && init.body) || ""}`);
    return fetch(url, init);
  },
};

// Awaits `call()` and requires it to fail with the gRPC code named `code`; returns the error.
async function expect(code, call, what) {
  let result;
  try {
    result = await call();
  } catch (e) {
    assert.strictEqual(e.code, Status[code],
      `${what}: expected ${code} (${Status[code]}), got code ${e.code}: ${e.message}`);
    return e;
  }
  throw new assert.AssertionError({ message: `${what}: expected ${code}, got success ${JSON.stringify(result)}` });
}

const mask = (...paths) => ({ paths });

// Unary and paged responses carry enums by name; the result of an LRO is decoded to a protobuf.js
// message, which carries them by number (the client's doing, on both transports). Either holds.
function assertEnum(value, Enum, name, what) {
  assert.ok(value === name || value === Enum[name], `${what}: expected ${name}, got ${JSON.stringify(value)}`);
}

// Options for the *Async iterators: they page on demand whatever is asked, but warn unless told.
const iterate = () => ({ autoPaginate: false });

// Every element of an async iterable.
async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

const names = (xs) => xs.map((x) => x.name);

// Waits for a long-running operation started by `start` and returns its result.
async function lro(start) {
  const [op] = await start;
  const [result] = await op.promise();
  return result;
}

async function conversations(c, loc, label) {
  const [conv] = await c.createConversation({
    parent: loc,
    conversation: { agentId: "agent-1", medium: "PHONE_CALL", labels: { team: "red" } },
    conversationId: "call-1",
  });
  assert.strictEqual(conv.name, `${loc}/conversations/call-1`);
  assert.ok(conv.createTime && Number(conv.createTime.seconds) > 0, JSON.stringify(conv.createTime));
  assertEnum(conv.medium, v1.Conversation.Medium, "PHONE_CALL", "CreateConversation");
  await expect("ALREADY_EXISTS", () => c.createConversation({ parent: loc, conversation: {}, conversationId: "call-1" }),
    "CreateConversation duplicate");
  let e = await expect("INVALID_ARGUMENT", () => c.createConversation({ parent: loc, conversation: {}, conversationId: "Bad_Id" }),
    "CreateConversation bad id");
  assert.ok(e.message.includes("conversation_id"), e.message);
  for (let i = 2; i < 6; i++) {
    await c.createConversation({ parent: loc, conversation: { agentId: "agent-2" }, conversationId: `call-${i}` });
  }
  const up = await lro(c.uploadConversation({ parent: loc, conversation: { agentId: "agent-2" }, conversationId: "uploaded-1" }));
  assert.strictEqual(up.name, `${loc}/conversations/uploaded-1`);
  assert.strictEqual(up.agentId, "agent-2");

  const [got] = await c.getConversation({ name: conv.name });
  assert.strictEqual(got.agentId, "agent-1");
  assert.strictEqual(got.labels.team, "red");
  await expect("NOT_FOUND", () => c.getConversation({ name: `${loc}/conversations/nope` }), "GetConversation unknown");

  // Page by page: at most two a page, tokens until the end.
  const paged = [];
  let pageToken = "";
  let pages = 0;
  do {
    const [page, , response] = await c.listConversations({ parent: loc, pageSize: 2, pageToken }, { autoPaginate: false });
    assert.ok(page.length <= 2, `page of ${page.length}`);
    paged.push(...names(page));
    pageToken = response.nextPageToken;
    pages += 1;
    assert.ok(pages <= 10, "too many pages");
  } while (pageToken);
  assert.ok(pages >= 3, `${pages} pages`);
  // Every page through the async iterator too: newest first, each conversation once.
  const all = names(await collect(c.listConversationsAsync({ parent: loc, pageSize: 2 }, iterate())));
  assert.deepStrictEqual(all, paged);
  assert.strictEqual(all.length, 6, JSON.stringify(all));
  assert.strictEqual(new Set(all).size, 6, JSON.stringify(all));
  assert.ok(all[0].endsWith("/uploaded-1") && all[5].endsWith("/call-1"), JSON.stringify(all));

  const [agent2] = await c.listConversations({ parent: loc, filter: 'agent_id = "agent-2"' });
  assert.strictEqual(agent2.length, 5, JSON.stringify(names(agent2)));
  const [red] = await c.listConversations({ parent: loc, filter: "labels.team = red AND medium = PHONE_CALL" });
  assert.deepStrictEqual(names(red), [conv.name]);
  e = await expect("INVALID_ARGUMENT", () => c.listConversations({ parent: loc, filter: "agentid = 1" }), "ListConversations bad filter");
  assert.ok(e.message.includes("agentid"), e.message);

  const [upd] = await c.updateConversation({ conversation: { name: conv.name, agentId: "agent-9" }, updateMask: mask("agent_id") });
  assert.strictEqual(upd.agentId, "agent-9");
  assert.strictEqual(upd.labels.team, "red");
  // AIP-161: an output-only path in the mask is ignored; an unknown one is refused. AIP-203: an
  // unchanged immutable field (name, medium) may be named; a change to one is refused.
  const [kept] = await c.updateConversation({ conversation: { name: conv.name, turnCount: 99 }, updateMask: mask("turn_count", "name") });
  assert.strictEqual(kept.turnCount, upd.turnCount);
  await expect("INVALID_ARGUMENT", () => c.updateConversation({ conversation: { name: conv.name }, updateMask: mask("turn_counts") }),
    "UpdateConversation unknown mask path");
  await expect("INVALID_ARGUMENT", () => c.updateConversation({ conversation: { name: conv.name, medium: upd.medium === "CHAT" ? "PHONE_CALL" : "CHAT" }, updateMask: mask("name", "medium") }),
    "UpdateConversation changed immutable medium");

  // An analysis, then delete needs force.
  const analysis = await lro(c.createAnalysis({ parent: conv.name, analysis: {} }));
  assert.ok(analysis.name.startsWith(`${conv.name}/analyses/`), analysis.name);
  const [withLatest] = await c.getConversation({ name: conv.name });
  assert.ok(withLatest.latestAnalysis, JSON.stringify(withLatest));
  assert.strictEqual(withLatest.latestAnalysis.name, analysis.name);
  assert.deepStrictEqual(names(await collect(c.listAnalysesAsync({ parent: conv.name }, iterate()))), [analysis.name]);
  assert.strictEqual((await c.getAnalysis({ name: analysis.name }))[0].name, analysis.name);
  await expect("FAILED_PRECONDITION", () => c.deleteConversation({ name: conv.name }), "DeleteConversation with an analysis");
  await c.deleteConversation({ name: conv.name, force: true });
  await expect("NOT_FOUND", () => c.getAnalysis({ name: analysis.name }), "GetAnalysis after forced delete");

  let [stats] = await c.calculateStats({ location: loc });
  assert.strictEqual(stats.conversationCount, 5, JSON.stringify(stats));
  [stats] = await c.calculateStats({ location: loc, filter: 'agent_id = "agent-2"' });
  assert.strictEqual(stats.conversationCount, 5, JSON.stringify(stats));

  await lro(c.bulkDeleteConversations({ parent: loc, filter: 'agent_id = "agent-2"', maxDeleteCount: 2 }));
  const [left] = await c.listConversations({ parent: loc });
  assert.strictEqual(left.length, 3, JSON.stringify(names(left)));
  console.log(`${label}: conversations, analyses, stats, bulk delete ok`);
}

async function issueModels(c, loc, label) {
  const model = await lro(c.createIssueModel({ parent: loc, issueModel: { displayName: "topics" } }));
  assertEnum(model.state, v1.IssueModel.State, "UNDEPLOYED", "CreateIssueModel result");
  const [listed] = await c.listIssueModels({ parent: loc });
  assert.deepStrictEqual(names(listed.issueModels), [model.name]);
  const [renamed] = await c.updateIssueModel({ issueModel: { name: model.name, displayName: "renamed" }, updateMask: mask("display_name") });
  assert.strictEqual(renamed.displayName, "renamed");
  assertEnum(renamed.state, v1.IssueModel.State, "UNDEPLOYED", "UpdateIssueModel");
  await lro(c.deployIssueModel({ name: model.name }));
  assertEnum((await c.getIssueModel({ name: model.name }))[0].state, v1.IssueModel.State, "DEPLOYED", "GetIssueModel after deploy");
  await expect("FAILED_PRECONDITION", () => c.deleteIssueModel({ name: model.name }), "DeleteIssueModel while deployed");
  const [stats] = await c.calculateIssueModelStats({ issueModel: model.name });
  assert.ok(stats.currentStats && Number(stats.currentStats.analyzedConversationsCount) > 0, JSON.stringify(stats));
  const [issues] = await c.listIssues({ parent: model.name });
  assert.deepStrictEqual(issues.issues, []);
  await expect("NOT_FOUND", () => c.getIssue({ name: `${model.name}/issues/nope` }), "GetIssue unknown");
  await lro(c.undeployIssueModel({ name: model.name }));
  assertEnum((await c.getIssueModel({ name: model.name }))[0].state, v1.IssueModel.State, "UNDEPLOYED", "GetIssueModel after undeploy");
  await lro(c.deleteIssueModel({ name: model.name }));
  await expect("NOT_FOUND", () => c.getIssueModel({ name: model.name }), "GetIssueModel after delete");
  await expect("NOT_FOUND", () => c.deployIssueModel({ name: model.name }), "DeployIssueModel after delete");
  console.log(`${label}: issue models ok`);
}

async function smallKinds(c, loc, label) {
  const e = await expect("INVALID_ARGUMENT", () => c.createPhraseMatcher({ parent: loc, phraseMatcher: { displayName: "no type" } }),
    "CreatePhraseMatcher without type");
  assert.ok(e.message.includes("phrase_matcher.type"), e.message);
  const [pm] = await c.createPhraseMatcher({ parent: loc, phraseMatcher: { displayName: "refund", type: "ANY_OF" } });
  assertEnum(pm.type, v1.PhraseMatcher.PhraseMatcherType, "ANY_OF", "CreatePhraseMatcher");
  assert.strictEqual((await c.getPhraseMatcher({ name: pm.name }))[0].displayName, "refund");
  assert.deepStrictEqual(names(await collect(c.listPhraseMatchersAsync({ parent: loc }, iterate()))), [pm.name]);
  const [pm2] = await c.updatePhraseMatcher({ phraseMatcher: { name: pm.name, active: true }, updateMask: mask("active") });
  assert.ok(pm2.active, JSON.stringify(pm2));
  assert.strictEqual(pm2.displayName, "refund");
  await c.deletePhraseMatcher({ name: pm.name });
  await expect("NOT_FOUND", () => c.getPhraseMatcher({ name: pm.name }), "GetPhraseMatcher after delete");

  const [view] = await c.createView({ parent: loc, view: { displayName: "v", value: 'agent_id = "a"' } });
  assert.strictEqual((await c.getView({ name: view.name }))[0].value, 'agent_id = "a"');
  assert.deepStrictEqual(names(await collect(c.listViewsAsync({ parent: loc }, iterate()))), [view.name]);
  const [view2] = await c.updateView({ view: { name: view.name, displayName: "w" }, updateMask: mask("display_name") });
  assert.strictEqual(view2.displayName, "w");
  assert.strictEqual(view2.value, 'agent_id = "a"');
  await c.deleteView({ name: view.name });
  await expect("NOT_FOUND", () => c.getView({ name: view.name }), "GetView after delete");

  const [rule] = await c.createAnalysisRule({ parent: loc, analysisRule: { displayName: "r", conversationFilter: 'medium = "CHAT"', active: true } });
  assert.strictEqual((await c.getAnalysisRule({ name: rule.name }))[0].displayName, "r");
  assert.deepStrictEqual(names(await collect(c.listAnalysisRulesAsync({ parent: loc }, iterate()))), [rule.name]);
  const [rule2] = await c.updateAnalysisRule({ analysisRule: { name: rule.name, active: false }, updateMask: mask("active") });
  assert.ok(!rule2.active, JSON.stringify(rule2));
  assert.strictEqual(rule2.displayName, "r");
  await c.deleteAnalysisRule({ name: rule.name });
  await expect("NOT_FOUND", () => c.getAnalysisRule({ name: rule.name }), "GetAnalysisRule after delete");

  const [settings] = await c.getSettings({ name: `${loc}/settings` });
  assert.strictEqual(settings.name, `${loc}/settings`);
  const [settings2] = await c.updateSettings({ settings: { name: `${loc}/settings`, languageCode: "fr-FR" }, updateMask: mask("language_code") });
  assert.strictEqual(settings2.languageCode, "fr-FR");
  assert.strictEqual((await c.getSettings({ name: `${loc}/settings` }))[0].languageCode, "fr-FR");

  const [spec] = await c.getEncryptionSpec({ name: `${loc}/encryptionSpec` });
  assert.strictEqual(spec.name, `${loc}/encryptionSpec`);
  await lro(c.initializeEncryptionSpec({
    encryptionSpec: { name: `${loc}/encryptionSpec`, kmsKey: "projects/p/locations/l/keyRings/k/cryptoKeys/c" },
  }));
  assert.ok((await c.getEncryptionSpec({ name: `${loc}/encryptionSpec` }))[0].kmsKey.endsWith("cryptoKeys/c"));
  console.log(`${label}: phrase matchers, views, analysis rules, settings, encryption spec ok`);
}

async function qaAndFeedback(c, loc, label) {
  const [card] = await c.createQaScorecard({ parent: loc, qaScorecard: { displayName: "card" }, qaScorecardId: "card-1" });
  assert.strictEqual(card.name, `${loc}/qaScorecards/card-1`);
  assert.deepStrictEqual(names(await collect(c.listQaScorecardsAsync({ parent: loc }, iterate()))), [card.name]);
  const [card2] = await c.updateQaScorecard({ qaScorecard: { name: card.name, description: "d" }, updateMask: mask("description") });
  assert.strictEqual(card2.description, "d");
  assert.strictEqual(card2.displayName, "card");
  const [rev] = await c.createQaScorecardRevision({ parent: card.name, qaScorecardRevision: {}, qaScorecardRevisionId: "rev-1" });
  assert.strictEqual(rev.name, `${card.name}/revisions/rev-1`);
  assertEnum(rev.state, v1.QaScorecardRevision.State, "EDITABLE", "CreateQaScorecardRevision");
  assert.strictEqual((await c.getQaScorecardRevision({ name: rev.name }))[0].name, rev.name);
  assert.deepStrictEqual(names(await collect(c.listQaScorecardRevisionsAsync({ parent: card.name }, iterate()))), [rev.name]);
  const [q] = await c.createQaQuestion({ parent: rev.name, qaQuestion: { questionBody: "Polite?" }, qaQuestionId: "polite" });
  assert.strictEqual(q.name, `${rev.name}/qaQuestions/polite`);
  assert.strictEqual((await c.getQaQuestion({ name: q.name }))[0].questionBody, "Polite?");
  assert.deepStrictEqual(names(await collect(c.listQaQuestionsAsync({ parent: rev.name }, iterate()))), [q.name]);
  const [q2] = await c.updateQaQuestion({ qaQuestion: { name: q.name, abbreviation: "P" }, updateMask: mask("abbreviation") });
  assert.strictEqual(q2.abbreviation, "P");
  assert.strictEqual(q2.questionBody, "Polite?");
  const [deployed] = await c.deployQaScorecardRevision({ name: rev.name });
  assert.ok(deployed.alternateIds.includes("deployed"), JSON.stringify(deployed));
  const [undeployed] = await c.undeployQaScorecardRevision({ name: rev.name });
  assert.ok(!undeployed.alternateIds.includes("deployed"), JSON.stringify(undeployed));
  await lro(c.tuneQaScorecardRevision({ parent: rev.name, filter: "" }));
  await c.deleteQaQuestion({ name: q.name });
  await expect("NOT_FOUND", () => c.getQaQuestion({ name: q.name }), "GetQaQuestion after delete");
  await expect("FAILED_PRECONDITION", () => c.deleteQaScorecard({ name: card.name }), "DeleteQaScorecard with a revision");
  await c.deleteQaScorecard({ name: card.name, force: true });
  await expect("NOT_FOUND", () => c.getQaScorecardRevision({ name: rev.name }), "GetQaScorecardRevision after forced delete");
  await expect("NOT_FOUND", () => c.getQaScorecard({ name: card.name }), "GetQaScorecard after forced delete");

  const [conv] = await c.createConversation({ parent: loc, conversation: {}, conversationId: "fb-1" });
  const [fl] = await c.createFeedbackLabel({
    parent: conv.name, feedbackLabel: { label: "good", labeledResource: conv.name }, feedbackLabelId: "fl-1",
  });
  assert.strictEqual(fl.name, `${conv.name}/feedbackLabels/fl-1`);
  assert.strictEqual((await c.getFeedbackLabel({ name: fl.name }))[0].label, "good");
  assert.deepStrictEqual(names(await collect(c.listFeedbackLabelsAsync({ parent: conv.name }, iterate()))), [fl.name]);
  assert.deepStrictEqual(names(await collect(c.listAllFeedbackLabelsAsync({ parent: loc }, iterate()))), [fl.name]);
  const [fl2] = await c.updateFeedbackLabel({ feedbackLabel: { name: fl.name, label: "bad" }, updateMask: mask("label") });
  assert.strictEqual(fl2.label, "bad");
  assert.strictEqual(fl2.labeledResource, conv.name);
  await c.deleteFeedbackLabel({ name: fl.name });
  await expect("NOT_FOUND", () => c.getFeedbackLabel({ name: fl.name }), "GetFeedbackLabel after delete");
  console.log(`${label}: QA scorecards, revisions, questions, feedback labels ok`);
}

// The client, its failed calls naming the method and the request (a gax error carries neither).
function traced(client) {
  return new Proxy(client, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== "function" || typeof prop !== "string" || prop.startsWith("_") || prop.endsWith("Async")) return value;
      return (...args) => {
        const out = value.apply(target, args);
        if (!out || typeof out.then !== "function") return out;
        return out.catch((e) => {
          if (e && typeof e.message === "string") e.message = `${prop}(${JSON.stringify(args[0])}): ${e.message}`;
          throw e;
        });
      };
    },
  });
}

// One transport, section after section (each builds on the one before); false if one failed,
// after printing why, so that the other transport still runs.
async function drive(client, loc, label) {
  const c = traced(client);
  try {
    await conversations(c, loc, label);
    await issueModels(c, loc, label);
    await smallKinds(c, loc, label);
    await qaAndFeedback(c, loc, label);
    return true;
  } catch (e) {
    console.error(`${label}: FAILED`);
    console.error(e);
    return false;
  } finally {
    await client.close();
  }
}

// Starts the emulator; resolves to its host:port (its first stdout line), rejects if it exits first.
function start(binary, log) {
  const args = ["emulator", "--listen", "127.0.0.1:0", "--op-duration", "200ms"];
  if (log) args.push("--log");
  const emu = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  const addr = new Promise((resolve, reject) => {
    emu.once("error", reject);
    emu.once("exit", (code, signal) => reject(new Error(`emulator exited (code ${code}, signal ${signal}) before its address`)));
    readline.createInterface({ input: emu.stdout }).once("line", resolve);
  });
  return { emu, addr };
}

async function stop(emu) {
  if (emu.exitCode !== null || emu.signalCode !== null) return;
  const exited = new Promise((resolve) => emu.once("exit", resolve));
  emu.kill("SIGTERM");
  const timer = setTimeout(() => emu.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function main() {
  const binary = process.argv[2] || "target/release/ccai-lro";
  const { emu, addr } = start(binary, process.argv.slice(3).includes("--log"));
  // Stop the emulator even when the script is interrupted.
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => { emu.kill("SIGTERM"); process.exit(1); });
  try {
    const [host, port] = (await addr).trim().split(":");
    const grpcClient = new ContactCenterInsightsClient({
      apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), projectId: "interop",
    });
    const grpcOk = await drive(grpcClient, "projects/interop/locations/node-grpc", "grpc");
    const restClient = new ContactCenterInsightsClient({
      apiEndpoint: host, port: Number(port), fallback: true, protocol: "http", authClient: anonymous, projectId: "interop",
    });
    const restOk = await drive(restClient, "projects/interop/locations/node-rest", "rest");
    if (!grpcOk || !restOk) throw new Error(`interop-engine-node: failed (grpc ${grpcOk ? "ok" : "failed"}, rest ${restOk ? "ok" : "failed"})`);
    console.log("interop-engine-node: ok");
  } finally {
    await stop(emu);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
