//! Analyses: what CreateAnalysis, BulkAnalyzeConversations and an upload's analysis do to the
//! store. The annotators (`crate::data::annotate`) run as the operation starts, on the
//! transcript as it is then; the analysis exists, with its `analysis_result.end_time`, only once
//! its operation has succeeded, when it becomes its conversation's `latest_analysis`. Until then
//! it is held by the engine, keyed by operation; a failed or cancelled operation leaves nothing.

use prost::Message;
use prost_types::{Any, Timestamp};
use tonic::Status;

use super::names::checked;
use super::records::{kind, not_found};
use super::training;
use super::{Ctx, Engine};
use crate::operations::{script::pack, start::Start};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    analysis_result, Analysis, AnalysisResult, BulkAnalyzeConversationsRequest,
    BulkAnalyzeConversationsResponse, Conversation, PhraseMatcher,
};

fn bad(e: prost::DecodeError) -> Status {
    Status::internal(format!("stored resource does not decode: {e}"))
}

impl Engine {
    /// Analyses the conversation `conversation` (named through an authorized view or not: the
    /// analysis lives under the location's conversation) for the operation `operation`: the
    /// annotators run now, on the transcript as it is, and the analysis is stored (and made the
    /// conversation's latest) when the operation succeeds. Returns it as it will be stored.
    pub(crate) fn analyse(
        &mut self,
        operation: &str,
        conversation: &str,
        analysis: Analysis,
    ) -> Result<Analysis, Status> {
        let location = super::records::location_of_name(conversation).to_owned();
        let matchers = self.phrase_matchers(&location);
        self.analyse_with(operation, conversation, analysis, &matchers)
    }

    /// [`Engine::analyse`] with the location's phrase matchers already read (a bulk analysis
    /// reads them once for all its conversations).
    fn analyse_with(
        &mut self,
        operation: &str,
        conversation: &str,
        mut analysis: Analysis,
        matchers: &[PhraseMatcher],
    ) -> Result<Analysis, Status> {
        let kinds = (kind("Conversation"), kind("Analysis"));
        let (Some(conv_kind), Some(kind)) = kinds else {
            return Err(Status::internal("no Conversation or Analysis kind"));
        };
        let conversation = checked("parent", conversation, &conv_kind.patterns)?.into_owned();
        let Some(record) = self.store.get(&conversation) else {
            return Err(not_found(conv_kind, &conversation));
        };
        let stored = Conversation::decode(record.bytes.as_slice()).map_err(bad)?;
        analysis.analysis_result = Some(self.annotations(&stored, &analysis, matchers));
        let id = analysis
            .name
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        analysis.name = format!("{conversation}/analyses/{id}");
        if self.store.get(&analysis.name).is_some() {
            return Err(Status::already_exists(format!(
                "{} {} already exists",
                kind.label,
                crate::names::quote(&analysis.name)
            )));
        }
        self.pending
            .entry(operation.to_owned())
            .or_default()
            .push(analysis.clone());
        Ok(analysis)
    }

    /// Stores the analyses of `operation`, which succeeded: each under its conversation, made
    /// its latest. A conversation deleted meanwhile takes none; one that does not fit the
    /// store's bounds is dropped, as the service drops work it cannot keep.
    pub(crate) fn commit_analyses(&mut self, operation: &str) {
        let (Some(conv_kind), Some(kind)) = (kind("Conversation"), kind("Analysis")) else {
            return;
        };
        for analysis in self.pending.remove(operation).unwrap_or_default() {
            let conversation = super::store::collection_of(&analysis.name)
                .trim_end_matches("/analyses")
                .to_owned();
            let Some(record) = self.store.get(&conversation) else {
                continue;
            };
            if !std::ptr::eq(record.kind, conv_kind) {
                continue;
            }
            let Ok(mut stored) = Conversation::decode(record.bytes.as_slice()) else {
                continue;
            };
            if self
                .store
                .insert(analysis.name.clone(), kind, analysis.encode_to_vec())
                .is_err()
            {
                continue;
            }
            stored.latest_analysis = Some(analysis.clone());
            if self
                .store
                .replace(&conversation, stored.encode_to_vec())
                .is_ok()
            {
                self.notice_analysis(&analysis, &stored);
            }
        }
    }

    /// The phrase matchers of `location`.
    fn phrase_matchers(&self, location: &str) -> Vec<PhraseMatcher> {
        let Some(kind) = kind("PhraseMatcher") else {
            return Vec::new();
        };
        self.store
            .under(&format!("{location}/phraseMatchers/"))
            .filter(|(_, r)| std::ptr::eq(r.kind, kind))
            .filter_map(|(_, r)| PhraseMatcher::decode(r.bytes.as_slice()).ok())
            .collect()
    }

    /// What the annotators find in `conversation` for `analysis` (its selector): the phrase
    /// matchers and silence (`crate::data::annotate`), and the deployed issue model's issue.
    fn annotations(
        &self,
        conversation: &Conversation,
        analysis: &Analysis,
        matchers: &[PhraseMatcher],
    ) -> AnalysisResult {
        let selector = analysis.annotator_selector.as_ref();
        let mut metadata = crate::data::annotate::annotate(conversation, matchers, selector);
        if selector.is_none_or(|s| s.run_issue_model_annotator) {
            metadata.issue_model_result = training::assignment(&self.store, conversation);
        }
        AnalysisResult {
            end_time: analysis.create_time,
            metadata: Some(analysis_result::Metadata::CallAnalysisMetadata(metadata)),
        }
    }

    /// Analyses `analysis_percentage` of the filtered conversations, drawn with the server's
    /// seeded generator.
    pub(crate) fn bulk_analyze(
        &mut self,
        start: &Start,
        end: &Timestamp,
        ctx: &Ctx,
    ) -> Result<Any, Status> {
        let request: BulkAnalyzeConversationsRequest = start.request_as().unwrap_or_default();
        let share = request.analysis_percentage;
        if !(0.0..=100.0).contains(&share) || share.is_nan() {
            return Err(super::errors::bad_field(
                "analysis_percentage",
                format!("must be within 0 and 100, got {share}"),
            ));
        }
        let (mut done, mut failed) = (0, 0);
        let matchers = self.phrase_matchers(&start.location);
        for conversation in self.filtered(&start.location, &request.filter)? {
            if (ctx.draw)() * 100.0 >= f64::from(share) {
                continue;
            }
            let analysis = Analysis {
                name: format!("{conversation}/analyses/{}", (ctx.next_id)()),
                request_time: Some(start.created),
                create_time: Some(*end),
                annotator_selector: request.annotator_selector.clone(),
                ..Default::default()
            };
            // One that does not fit (a store bound) is counted as failed, not fatal: the
            // others are done, and the operation reports both.
            match self.analyse_with(&start.operation, &conversation, analysis, &matchers) {
                Ok(_) => done += 1,
                Err(_) => failed += 1,
            }
        }
        Ok(pack(&BulkAnalyzeConversationsResponse {
            successful_analysis_count: done,
            failed_analysis_count: failed,
        }))
    }
}
