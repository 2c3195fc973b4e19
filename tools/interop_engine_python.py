#!/usr/bin/env python3
"""Google's official Python client drives the emulator's whole resource surface, once over gRPC
and once over REST (whose JSON the client asks for with `$alt=json;enum-encoding=int`), against
one emulator.

Not part of `cargo test` (it needs PyPI). Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights
    cargo build --release
    /tmp/venv/bin/python tools/interop_engine_python.py target/release/ccai-lro

Each transport works in a location of its own (the emulator keeps locations apart) and goes
through conversations (create, upload, get, list with a filter and pages, update, delete with
force), analyses, issue models and their issues (deploy, stats), phrase matchers, views, analysis
rules, settings, the encryption spec, QA scorecards with revisions and questions, feedback
labels (and ListAllFeedbackLabels), CalculateStats and BulkDeleteConversations, checking the
AIP errors on the way (ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION). Exit 0
and a last line `interop-engine: ok` mean it all held.
"""
import subprocess
import sys

import grpc
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)
from google.api_core import protobuf_helpers
from google.protobuf import duration_pb2, field_mask_pb2


# Over REST, api-core raises the class of the HTTP status (409 Conflict, 400 BadRequest), of
# which the gRPC code's class is a subclass: the code is then read from the error body's status.
REST = {"on": False}


def expect(error, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except exceptions.GoogleAPICallError as e:
        if REST["on"]:
            body = e.response.json()["error"] if e.response is not None else {}
            wanted = error.grpc_status_code.name
            assert body.get("status") == wanted, (body, wanted)
            return e
        if isinstance(e, error):
            return e
        raise
    raise AssertionError(f"expected {error.__name__} from {call.__name__}")


def mask(*paths):
    return field_mask_pb2.FieldMask(paths=list(paths))


def conversations(c, loc, label):
    conv = c.create_conversation(
        parent=loc,
        conversation=insights.Conversation(agent_id="agent-1", medium=insights.Conversation.Medium.PHONE_CALL,
                                           labels={"team": "red"}),
        conversation_id="call-1",
    )
    assert conv.name == f"{loc}/conversations/call-1", conv.name
    assert conv.create_time and conv.medium == insights.Conversation.Medium.PHONE_CALL
    expect(exceptions.AlreadyExists, c.create_conversation, parent=loc, conversation=insights.Conversation(),
           conversation_id="call-1")
    e = expect(exceptions.InvalidArgument, c.create_conversation, parent=loc,
               conversation=insights.Conversation(), conversation_id="Bad_Id")
    assert "conversation_id" in e.message, e.message
    for i in range(2, 6):
        c.create_conversation(parent=loc, conversation=insights.Conversation(agent_id="agent-2"),
                              conversation_id=f"call-{i}")
    lro = c.upload_conversation(request={"parent": loc, "conversation": {"agent_id": "agent-2"},
                                         "conversation_id": "uploaded-1"})
    up = lro.result(timeout=30)
    assert up.name == f"{loc}/conversations/uploaded-1", up.name

    got = c.get_conversation(name=conv.name)
    assert got.agent_id == "agent-1" and got.labels["team"] == "red"
    expect(exceptions.NotFound, c.get_conversation, name=f"{loc}/conversations/nope")

    # Every page, newest first, each conversation once.
    names = [x.name for x in c.list_conversations(request={"parent": loc, "page_size": 2})]
    assert len(names) == 6 and len(set(names)) == 6, names
    assert names[0].endswith("uploaded-1") and names[-1].endswith("call-1"), names
    agent2 = list(c.list_conversations(request={"parent": loc, "filter": 'agent_id = "agent-2"'}))
    assert len(agent2) == 5, [x.name for x in agent2]
    red = list(c.list_conversations(request={"parent": loc, "filter": "labels.team = red AND medium = PHONE_CALL"}))
    assert [x.name for x in red] == [conv.name], red
    e = expect(exceptions.InvalidArgument, lambda: list(c.list_conversations(request={"parent": loc, "filter": "agentid = 1"})))
    assert "agentid" in e.message, e.message

    upd = c.update_conversation(conversation=insights.Conversation(name=conv.name, agent_id="agent-9"),
                                update_mask=mask("agent_id"))
    assert upd.agent_id == "agent-9" and upd.labels["team"] == "red"
    # AIP-161: an output-only path in the mask is ignored; an unknown one is refused.
    kept = c.update_conversation(conversation=insights.Conversation(name=conv.name, turn_count=99),
                                 update_mask=mask("turn_count"))
    assert kept.turn_count == upd.turn_count and kept.agent_id == "agent-9", kept
    expect(exceptions.InvalidArgument, c.update_conversation,
           conversation=insights.Conversation(name=conv.name), update_mask=mask("turn_counts"))

    # An analysis, then delete needs force.
    analysis = c.create_analysis(parent=conv.name, analysis=insights.Analysis()).result(timeout=30)
    assert analysis.name.startswith(conv.name + "/analyses/"), analysis.name
    assert c.get_conversation(name=conv.name).latest_analysis.name == analysis.name
    assert [a.name for a in c.list_analyses(parent=conv.name)] == [analysis.name]
    assert c.get_analysis(name=analysis.name).name == analysis.name
    expect(exceptions.FailedPrecondition, c.delete_conversation, request={"name": conv.name})
    c.delete_conversation(request={"name": conv.name, "force": True})
    expect(exceptions.NotFound, c.get_analysis, name=analysis.name)

    stats = c.calculate_stats(location=loc)
    assert stats.conversation_count == 5, stats
    stats = c.calculate_stats(request={"location": loc, "filter": 'agent_id = "agent-2"'})
    assert stats.conversation_count == 5, stats

    deleted = c.bulk_delete_conversations(request={"parent": loc, "filter": 'agent_id = "agent-2"',
                                                   "max_delete_count": 2})
    deleted.result(timeout=30)
    left = list(c.list_conversations(parent=loc))
    assert len(left) == 3, [x.name for x in left]
    print(f"{label}: conversations, analyses, stats, bulk delete ok")


def issue_models(c, loc, label):
    model = c.create_issue_model(parent=loc, issue_model=insights.IssueModel(display_name="topics")).result(timeout=30)
    assert model.state == insights.IssueModel.State.UNDEPLOYED, model.state
    assert [m.name for m in c.list_issue_models(parent=loc).issue_models] == [model.name]
    renamed = c.update_issue_model(issue_model=insights.IssueModel(name=model.name, display_name="renamed"),
                                   update_mask=mask("display_name"))
    assert renamed.display_name == "renamed" and renamed.state == insights.IssueModel.State.UNDEPLOYED
    c.deploy_issue_model(name=model.name).result(timeout=30)
    assert c.get_issue_model(name=model.name).state == insights.IssueModel.State.DEPLOYED
    expect(exceptions.FailedPrecondition, c.delete_issue_model, name=model.name)
    stats = c.calculate_issue_model_stats(issue_model=model.name)
    assert stats.current_stats.analyzed_conversations_count > 0, stats
    assert list(c.list_issues(parent=model.name).issues) == []
    expect(exceptions.NotFound, c.get_issue, name=f"{model.name}/issues/nope")
    c.undeploy_issue_model(name=model.name).result(timeout=30)
    c.delete_issue_model(name=model.name).result(timeout=30)
    expect(exceptions.NotFound, c.get_issue_model, name=model.name)
    expect(exceptions.NotFound, c.deploy_issue_model, name=model.name)
    print(f"{label}: issue models ok")


def small_kinds(c, loc, label):
    e = expect(exceptions.InvalidArgument, c.create_phrase_matcher, parent=loc,
               phrase_matcher=insights.PhraseMatcher(display_name="no type"))
    assert "phrase_matcher.type" in e.message, e.message
    pm = c.create_phrase_matcher(parent=loc, phrase_matcher=insights.PhraseMatcher(
        display_name="refund", type_=insights.PhraseMatcher.PhraseMatcherType.ANY_OF))
    assert c.get_phrase_matcher(name=pm.name).display_name == "refund"
    assert [p.name for p in c.list_phrase_matchers(parent=loc)] == [pm.name]
    pm2 = c.update_phrase_matcher(phrase_matcher=insights.PhraseMatcher(name=pm.name, active=True),
                                  update_mask=mask("active"))
    assert pm2.active and pm2.display_name == "refund"
    c.delete_phrase_matcher(name=pm.name)
    expect(exceptions.NotFound, c.get_phrase_matcher, name=pm.name)

    view = c.create_view(parent=loc, view=insights.View(display_name="v", value='agent_id = "a"'))
    assert c.get_view(name=view.name).value == 'agent_id = "a"'
    assert [v.name for v in c.list_views(parent=loc)] == [view.name]
    assert c.update_view(view=insights.View(name=view.name, display_name="w"),
                         update_mask=mask("display_name")).display_name == "w"
    c.delete_view(name=view.name)

    rule = c.create_analysis_rule(parent=loc, analysis_rule=insights.AnalysisRule(
        display_name="r", conversation_filter='medium = "CHAT"', active=True))
    assert c.get_analysis_rule(name=rule.name).display_name == "r"
    assert [r.name for r in c.list_analysis_rules(parent=loc)] == [rule.name]
    assert not c.update_analysis_rule(analysis_rule=insights.AnalysisRule(name=rule.name, active=False),
                                      update_mask=mask("active")).active
    c.delete_analysis_rule(name=rule.name)

    settings = c.get_settings(name=f"{loc}/settings")
    assert settings.name == f"{loc}/settings"
    c.update_settings(settings=insights.Settings(name=f"{loc}/settings", language_code="fr-FR"),
                      update_mask=mask("language_code"))
    assert c.get_settings(name=f"{loc}/settings").language_code == "fr-FR"
    # Google's published samples build their masks with field_mask(None, settings), which names
    # the settings' own, unchanged, immutable `name` (AIP-203: ignored when unchanged).
    ttl = insights.Settings(name=f"{loc}/settings", conversation_ttl=duration_pb2.Duration(seconds=86400))
    ttl_mask = protobuf_helpers.field_mask(None, type(ttl).pb(ttl))
    assert "name" in ttl_mask.paths, ttl_mask
    assert c.update_settings(settings=ttl, update_mask=ttl_mask).conversation_ttl.total_seconds() == 86400
    topics = insights.Settings(name=f"{loc}/settings", pubsub_notification_settings={
        "create-analysis": "projects/p/topics/analyses"})
    updated = c.update_settings(settings=topics, update_mask=protobuf_helpers.field_mask(None, type(topics).pb(topics)))
    assert dict(updated.pubsub_notification_settings) == {"create-analysis": "projects/p/topics/analyses"}
    conv = c.create_conversation(parent=loc, conversation=insights.Conversation(medium="CHAT", agent_id="a1"))
    changed = insights.Conversation(name=conv.name, medium="PHONE_CALL")
    expect(exceptions.InvalidArgument, c.update_conversation, conversation=changed,
           update_mask=protobuf_helpers.field_mask(None, type(changed).pb(changed)))
    c.delete_conversation(name=conv.name)

    spec = c.get_encryption_spec(name=f"{loc}/encryptionSpec")
    assert spec.name == f"{loc}/encryptionSpec"
    c.initialize_encryption_spec(encryption_spec=insights.EncryptionSpec(
        name=f"{loc}/encryptionSpec", kms_key="projects/p/locations/l/keyRings/k/cryptoKeys/c")).result(timeout=30)
    assert c.get_encryption_spec(name=f"{loc}/encryptionSpec").kms_key.endswith("cryptoKeys/c")
    print(f"{label}: phrase matchers, views, analysis rules, settings, encryption spec ok")


def qa_and_feedback(c, loc, label):
    card = c.create_qa_scorecard(parent=loc, qa_scorecard=insights.QaScorecard(display_name="card"),
                                 qa_scorecard_id="card-1")
    assert [s.name for s in c.list_qa_scorecards(parent=loc)] == [card.name]
    assert c.update_qa_scorecard(qa_scorecard=insights.QaScorecard(name=card.name, description="d"),
                                 update_mask=mask("description")).description == "d"
    rev = c.create_qa_scorecard_revision(parent=card.name, qa_scorecard_revision=insights.QaScorecardRevision(),
                                         qa_scorecard_revision_id="rev-1")
    assert rev.state == insights.QaScorecardRevision.State.EDITABLE, rev.state
    assert c.get_qa_scorecard_revision(name=rev.name).name == rev.name
    assert [r.name for r in c.list_qa_scorecard_revisions(parent=card.name)] == [rev.name]
    q = c.create_qa_question(parent=rev.name, qa_question=insights.QaQuestion(question_body="Polite?"),
                             qa_question_id="polite")
    assert c.get_qa_question(name=q.name).question_body == "Polite?"
    assert [x.name for x in c.list_qa_questions(parent=rev.name)] == [q.name]
    assert c.update_qa_question(qa_question=insights.QaQuestion(name=q.name, abbreviation="P"),
                                update_mask=mask("abbreviation")).abbreviation == "P"
    assert "deployed" in c.deploy_qa_scorecard_revision(request={"name": rev.name}).alternate_ids
    assert "deployed" not in c.undeploy_qa_scorecard_revision(request={"name": rev.name}).alternate_ids
    c.tune_qa_scorecard_revision(request={"parent": rev.name, "filter": ""}).result(timeout=30)
    c.delete_qa_question(name=q.name)
    expect(exceptions.FailedPrecondition, c.delete_qa_scorecard, request={"name": card.name})
    c.delete_qa_scorecard(request={"name": card.name, "force": True})
    expect(exceptions.NotFound, c.get_qa_scorecard_revision, name=rev.name)

    conv = c.create_conversation(parent=loc, conversation=insights.Conversation(), conversation_id="fb-1")
    fl = c.create_feedback_label(parent=conv.name, feedback_label=insights.FeedbackLabel(
        label="good", labeled_resource=conv.name), feedback_label_id="fl-1")
    assert c.get_feedback_label(name=fl.name).label == "good"
    assert [f.name for f in c.list_feedback_labels(parent=conv.name)] == [fl.name]
    assert [f.name for f in c.list_all_feedback_labels(parent=loc)] == [fl.name]
    assert c.update_feedback_label(feedback_label=insights.FeedbackLabel(name=fl.name, label="bad"),
                                   update_mask=mask("label")).label == "bad"
    c.delete_feedback_label(name=fl.name)
    expect(exceptions.NotFound, c.get_feedback_label, name=fl.name)
    print(f"{label}: QA scorecards, revisions, questions, feedback labels ok")


def drive(c, loc, label):
    conversations(c, loc, label)
    issue_models(c, loc, label)
    small_kinds(c, loc, label)
    qa_and_feedback(c, loc, label)


def main(binary):
    emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0", "--op-duration", "200ms"],
                           stdout=subprocess.PIPE, text=True)
    try:
        addr = emu.stdout.readline().strip()
        channel = grpc.insecure_channel(addr)
        transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        drive(insights.ContactCenterInsightsClient(transport=transport), "projects/interop/locations/grpc", "grpc")
        rest = insights.ContactCenterInsightsClient(transport="rest", credentials=AnonymousCredentials(),
                                                    client_options={"api_endpoint": f"http://{addr}"})
        REST["on"] = True
        drive(rest, "projects/interop/locations/rest", "rest")
        print("interop-engine: ok")
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
