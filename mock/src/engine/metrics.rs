//! The statistics methods, computed from what is stored: CalculateStats (counts, averages and a
//! daily series of the filtered conversations), QueryMetrics (the same per agent, or in total)
//! and CalculateIssueModelStats (a model's label statistics).

use std::collections::BTreeMap;

use prost_reflect::DynamicMessage;
use prost_types::{Duration, Timestamp};
use tonic::Status;

use super::fields::{get_str, require};
use super::filter::Filter;
use super::names;
use super::records::{conversations, kind, load, location, missing_kind, typed};
use super::store::Store;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    calculate_stats_response::{time_series::Interval, TimeSeries},
    dimension::{AgentDimensionMetadata, DimensionKey, DimensionMetadata},
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
    let found = conversations(store, &location, &filter)?;
    let count = found.len();
    let (mut turns, mut nanos, mut days) = (0i64, 0i128, BTreeMap::<i64, i32>::new());
    for (_, m) in &found {
        let c: Conversation = typed(m)?;
        turns += i64::from(c.turn_count);
        if let Some(d) = c.duration {
            nanos += i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos);
        }
        let at = c.start_time.or(c.create_time).unwrap_or_default();
        *days.entry(at.seconds.div_euclid(DAY)).or_default() += 1;
    }
    let n = i64::try_from(count).unwrap_or(i64::MAX).max(1);
    let average = nanos / i128::from(n);
    let mut response = CalculateStatsResponse {
        conversation_count: i32::try_from(count).unwrap_or(i32::MAX),
        average_turn_count: i32::try_from(turns / n).unwrap_or(i32::MAX),
        average_duration: Some(Duration {
            seconds: i64::try_from(average / 1_000_000_000).unwrap_or(i64::MAX),
            nanos: i32::try_from(average % 1_000_000_000).unwrap_or(0),
        }),
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

/// Conversation count, average duration and turns of a group of conversations.
fn measure(group: &[Conversation]) -> ConversationMeasure {
    let n = group.len().max(1) as f64;
    let nanos: f64 = group
        .iter()
        .filter_map(|c| c.duration)
        .map(|d| d.seconds as f64 * 1e9 + f64::from(d.nanos))
        .sum();
    let average = nanos / n;
    ConversationMeasure {
        conversation_count: Some(i32::try_from(group.len()).unwrap_or(i32::MAX)),
        average_turn_count: Some(
            (group.iter().map(|c| f64::from(c.turn_count)).sum::<f64>() / n) as f32,
        ),
        average_duration: Some(Duration {
            seconds: (average / 1e9) as i64,
            nanos: (average % 1e9) as i32,
        }),
        ..Default::default()
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
    let found: Vec<Conversation> = conversations(store, &request.location, &filter)?
        .iter()
        .map(|(_, m)| typed(m))
        .collect::<Result<_, _>>()?;
    let by_agent = request
        .dimensions
        .iter()
        .any(|d| d.dimension_key() == DimensionKey::Agent);
    let slices = if by_agent {
        let mut agents: BTreeMap<&str, Vec<Conversation>> = BTreeMap::new();
        for c in &found {
            agents
                .entry(c.agent_id.as_str())
                .or_default()
                .push(c.clone());
        }
        agents
            .into_iter()
            .map(|(agent, group)| Slice {
                dimensions: vec![Dimension {
                    dimension_key: DimensionKey::Agent as i32,
                    dimension_metadata: Some(DimensionMetadata::AgentDimensionMetadata(
                        AgentDimensionMetadata {
                            agent_id: agent.to_owned(),
                            ..Default::default()
                        },
                    )),
                }],
                total: Some(DataPoint {
                    measure: Some(Measure::ConversationMeasure(measure(&group))),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    } else {
        vec![Slice {
            total: Some(DataPoint {
                measure: Some(Measure::ConversationMeasure(measure(&found))),
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
        current_stats: model.training_stats,
    })
}
