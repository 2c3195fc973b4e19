//! The statistics methods, computed from what is stored: CalculateStats (counts, averages and a
//! daily series of the filtered conversations, and what their latest analyses found: each
//! phrase matcher's and each issue's number of conversations), QueryMetrics (the same per agent, or in total)
//! and CalculateIssueModelStats (a model's label statistics).

use std::collections::BTreeMap;

use prost_reflect::DynamicMessage;
use prost_types::{Duration, Timestamp};
use tonic::Status;

use super::fields::{get_str, require};
use super::filter::Filter;
use super::names;
use super::records::{for_each_conversation, kind, load, location, missing_kind, typed};
use super::store::Store;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    analysis_result,
    calculate_stats_response::{time_series::Interval, TimeSeries},
    dimension::{AgentDimensionMetadata, DimensionKey, DimensionMetadata},
    issue_model_label_stats::IssueStats,
    query_metrics_response::{
        slice::data_point::{ConversationMeasure, Measure},
        slice::DataPoint,
        Slice,
    },
    CalculateIssueModelStatsResponse, CalculateStatsResponse, Conversation, Dimension, IssueModel,
    QueryMetricsRequest, QueryMetricsResponse,
};

/// The most daily points in a stats time series (the newest are kept).
const MAX_POINTS: usize = 1000;
const DAY: i64 = 86_400;

pub(crate) fn calculate_stats(
    store: &Store,
    request: &DynamicMessage,
) -> Result<CalculateStatsResponse, Status> {
    require(request, "")?;
    let location = location(request, "location")?;
    let kind = kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
    let filter = Filter::parse(&get_str(request, "filter"), &kind.message)?;
    let (mut totals, mut days, mut failed) = (Totals::default(), BTreeMap::<i64, i32>::new(), None);
    let mut found = Found::default();
    for_each_conversation(store, &location, &filter, |_, m| {
        match typed::<Conversation>(m) {
            Ok(c) => {
                totals.add(&c);
                found.add(&c);
                let at = c.start_time.or(c.create_time).unwrap_or_default();
                *days.entry(at.seconds.div_euclid(DAY)).or_default() += 1;
            }
            Err(e) => failed = Some(e),
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let mut response = CalculateStatsResponse {
        conversation_count: totals.count(),
        average_turn_count: totals.average_turns() as i32,
        average_duration: Some(totals.average_duration()),
        custom_highlighter_matches: found.matchers,
        issue_matches_stats: found
            .issues
            .iter()
            .map(|(issue, (display, n))| {
                let stats = IssueStats {
                    issue: issue.clone(),
                    labeled_conversations_count: i64::from(*n),
                    display_name: display.clone(),
                };
                (issue.clone(), stats)
            })
            .collect(),
        issue_matches: found.issues.into_iter().map(|(k, (_, n))| (k, n)).collect(),
        ..Default::default()
    };
    if let (Some((&first, _)), Some((&last, _))) = (days.first_key_value(), days.last_key_value()) {
        let first = first.max(last - MAX_POINTS as i64 + 1);
        response.conversation_count_time_series = Some(TimeSeries {
            interval_duration: Some(Duration {
                seconds: DAY,
                nanos: 0,
            }),
            points: (first..=last)
                .map(|day| Interval {
                    start_time: Some(Timestamp {
                        seconds: day * DAY,
                        nanos: 0,
                    }),
                    conversation_count: days.get(&day).copied().unwrap_or(0),
                })
                .collect(),
        });
    }
    Ok(response)
}

/// What the conversations' latest analyses found: per phrase matcher, and per issue (with its
/// display name), the number of conversations.
#[derive(Default)]
struct Found {
    matchers: std::collections::HashMap<String, i32>,
    issues: BTreeMap<String, (String, i32)>,
}

impl Found {
    fn add(&mut self, c: &Conversation) {
        let metadata = c
            .latest_analysis
            .as_ref()
            .and_then(|a| a.analysis_result.as_ref())
            .and_then(|r| r.metadata.as_ref());
        let Some(analysis_result::Metadata::CallAnalysisMetadata(m)) = metadata else {
            return;
        };
        for matcher in m.phrase_matchers.keys() {
            *self.matchers.entry(matcher.clone()).or_default() += 1;
        }
        for assigned in m.issue_model_result.iter().flat_map(|r| &r.issues) {
            let entry = self
                .issues
                .entry(assigned.issue.clone())
                .or_insert_with(|| (assigned.display_name.clone(), 0));
            entry.1 += 1;
        }
    }
}

/// Running totals of a group of conversations: their count, turns and durations.
#[derive(Default)]
struct Totals {
    count: i64,
    turns: i64,
    nanos: i128,
}

impl Totals {
    fn add(&mut self, c: &Conversation) {
        self.count += 1;
        self.turns += i64::from(c.turn_count);
        if let Some(d) = c.duration {
            self.nanos += i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos);
        }
    }

    fn count(&self) -> i32 {
        i32::try_from(self.count).unwrap_or(i32::MAX)
    }

    fn average_turns(&self) -> f64 {
        self.turns as f64 / self.count.max(1) as f64
    }

    fn average_duration(&self) -> Duration {
        let average = self.nanos / i128::from(self.count.max(1));
        Duration {
            seconds: i64::try_from(average / 1_000_000_000).unwrap_or(i64::MAX),
            nanos: i32::try_from(average % 1_000_000_000).unwrap_or(0),
        }
    }

    fn measure(&self) -> ConversationMeasure {
        ConversationMeasure {
            conversation_count: Some(self.count()),
            average_turn_count: Some(self.average_turns() as f32),
            average_duration: Some(self.average_duration()),
            ..Default::default()
        }
    }
}

/// QueryMetrics over the filtered conversations of `request.location`: one slice per agent
/// when the request asks for the AGENT dimension, else one slice in total.
pub(crate) fn query_metrics(
    store: &Store,
    request: &QueryMetricsRequest,
    now: Timestamp,
) -> Result<QueryMetricsResponse, Status> {
    let kind = kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
    let filter = Filter::parse(&request.filter, &kind.message)?;
    let by_agent = request
        .dimensions
        .iter()
        .any(|d| d.dimension_key() == DimensionKey::Agent);
    // Running totals, in total or per agent: nothing of a conversation is kept past its turn.
    let (mut agents, mut total, mut failed) =
        (BTreeMap::<String, Totals>::new(), Totals::default(), None);
    for_each_conversation(store, &request.location, &filter, |_, m| {
        match typed::<Conversation>(m) {
            Ok(c) if by_agent => agents.entry(c.agent_id.clone()).or_default().add(&c),
            Ok(c) => total.add(&c),
            Err(e) => failed = Some(e),
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let slices = if by_agent {
        agents
            .into_iter()
            .map(|(agent, totals)| Slice {
                dimensions: vec![Dimension {
                    dimension_key: DimensionKey::Agent as i32,
                    dimension_metadata: Some(DimensionMetadata::AgentDimensionMetadata(
                        AgentDimensionMetadata {
                            agent_id: agent,
                            ..Default::default()
                        },
                    )),
                }],
                total: Some(DataPoint {
                    measure: Some(Measure::ConversationMeasure(totals.measure())),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    } else {
        vec![Slice {
            total: Some(DataPoint {
                measure: Some(Measure::ConversationMeasure(total.measure())),
                ..Default::default()
            }),
            ..Default::default()
        }]
    };
    Ok(QueryMetricsResponse {
        location: request.location.clone(),
        update_time: Some(now),
        slices,
        ..Default::default()
    })
}

pub(crate) fn issue_model_stats(
    store: &Store,
    request: &DynamicMessage,
) -> Result<CalculateIssueModelStatsResponse, Status> {
    require(request, "")?;
    let kind = kind("IssueModel").ok_or_else(|| missing_kind("IssueModel"))?;
    let name = names::resource("issue_model", &get_str(request, "issue_model"), kind)?.into_owned();
    let model: IssueModel = typed(&load(store, kind, &name)?)?;
    Ok(CalculateIssueModelStatsResponse {
        current_stats: Some(super::training::recount(store, &model)?),
    })
}
