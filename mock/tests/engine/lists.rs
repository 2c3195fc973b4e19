//! List (AIP-132, 158, 160): sizes, tokens, order, filters.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use tonic::Code;

use crate::{emulator, error, violations, Insights, LOC};

async fn conversations(c: &mut Insights, n: usize, agent: &str) -> Vec<String> {
    let mut names = Vec::new();
    for _ in 0..n {
        let made = c
            .create_conversation(CreateConversationRequest {
                parent: LOC.into(),
                conversation_id: String::new(),
                conversation: Some(Conversation {
                    agent_id: agent.into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner();
        names.push(made.name);
    }
    names
}

fn list(page_size: i32, page_token: &str, filter: &str) -> ListConversationsRequest {
    ListConversationsRequest {
        parent: LOC.into(),
        page_size,
        page_token: page_token.into(),
        filter: filter.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn page_sizes_are_coerced_and_negative_is_refused() {
    let (_s, mut c) = emulator().await;
    conversations(&mut c, 1_050, "a").await;
    let page = c
        .list_conversations(list(0, "", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.conversations.len(), 100, "0 means the default");
    let page = c
        .list_conversations(list(5_000, "", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.conversations.len(), 1_000, "coerced to the maximum");
    assert!(!page.next_page_token.is_empty());
    let s = error(c.list_conversations(list(-1, "", "")).await);
    assert_eq!(violations(&s), ["page_size"]);
}

#[tokio::test]
async fn every_item_appears_once_newest_first_while_items_are_created() {
    let (_s, mut c) = emulator().await;
    let mut made = conversations(&mut c, 25, "a").await;
    let (mut seen, mut token) = (Vec::new(), String::new());
    loop {
        let page = c
            .list_conversations(list(10, &token, ""))
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.conversations.into_iter().map(|c| c.name));
        // Created between pages: newer than the listing's start, so not in its later pages.
        conversations(&mut c, 3, "b").await;
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    made.reverse();
    assert_eq!(seen, made, "newest first, each once");
}

#[tokio::test]
async fn tokens_are_opaque_and_bound_to_their_arguments() {
    let (_s, mut c) = emulator().await;
    conversations(&mut c, 5, "a").await;
    let page = c
        .list_conversations(list(2, "", "agent_id = \"a\""))
        .await
        .unwrap()
        .into_inner();
    assert!(!page.next_page_token.is_empty());
    let reused = c
        .list_conversations(list(2, &page.next_page_token, "agent_id = \"b\""))
        .await;
    assert_eq!(violations(&error(reused)), ["page_token"]);
    let made_up = c.list_conversations(list(2, "bm90IGEgdG9rZW4", "")).await;
    assert_eq!(violations(&error(made_up)), ["page_token"]);
    let last = c
        .list_conversations(list(5, "", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(last.conversations.len(), 5);
    assert_eq!(last.next_page_token, "", "empty exactly at the end");
}

#[tokio::test]
async fn filters_select_and_bad_ones_say_where() {
    let (_s, mut c) = emulator().await;
    conversations(&mut c, 3, "a").await;
    conversations(&mut c, 2, "b").await;
    let count = |filter: &str| list(0, "", filter);
    let page = c
        .list_conversations(count("agent_id = \"b\""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.conversations.len(), 2);
    let page = c
        .list_conversations(count("agent_id = \"a\" OR agent_id = \"b\""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.conversations.len(), 5);
    let page = c
        .list_conversations(count("NOT agent_id = \"a\""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.conversations.len(), 2);
    let s = error(c.list_conversations(count("agentid = \"a\"")).await);
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("agentid"), "{}", s.message());
    let s = error(c.list_conversations(count("(agent_id = \"a\"")).await);
    assert_eq!(s.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn an_unserved_order_is_refused_not_ignored() {
    let (_s, mut c) = emulator().await;
    for bad in [
        "agent_id",
        "turn_count sideways",
        "create_time desc, turn_count",
    ] {
        let mut request = list(0, "", "");
        request.order_by = bad.into();
        let s = error(c.list_conversations(request).await);
        assert_eq!(violations(&s), ["order_by"], "{bad}");
        assert!(
            s.message().contains("turn_count"),
            "names the keys: {}",
            s.message()
        );
    }
}

#[tokio::test]
async fn documented_keys_sort_and_page_by_keyset() {
    let (server, mut c) = emulator().await;
    let turns = [5, 1, 9, 3, 9, 7];
    for (i, t) in turns.iter().enumerate() {
        server
            .seed(&Conversation {
                name: format!("{LOC}/conversations/c{i}"),
                turn_count: *t,
                ..Default::default()
            })
            .expect("seed");
    }
    let pages = |c: &mut Insights, order: &'static str| {
        let mut c = c.clone();
        let server = &server;
        async move {
            let (mut seen, mut token, mut added) = (Vec::new(), String::new(), 0);
            loop {
                let mut request = list(2, &token, "");
                request.order_by = order.into();
                let page = c.list_conversations(request).await.unwrap().into_inner();
                seen.extend(
                    page.conversations
                        .iter()
                        .map(|c| (c.turn_count, c.name.clone())),
                );
                // A conversation that sorts first, added between pages: not listed twice,
                // and nothing already listed moves.
                added += 1;
                server
                    .seed(&Conversation {
                        name: format!("{LOC}/conversations/late-{order}-{added}").replace(' ', "-"),
                        turn_count: if order.ends_with("desc") { 100 } else { 0 },
                        ..Default::default()
                    })
                    .expect("seed");
                if page.next_page_token.is_empty() {
                    break seen;
                }
                token = page.next_page_token;
            }
        }
    };
    let ascending = pages(&mut c, "turn_count").await;
    let counts: Vec<i32> = ascending.iter().map(|(t, _)| *t).collect();
    assert_eq!(counts, [1, 3, 5, 7, 9, 9]);
    // Equal keys keep creation order.
    assert!(
        ascending[4].1.ends_with("/c2") && ascending[5].1.ends_with("/c4"),
        "{ascending:?}"
    );
    let descending = pages(&mut c, "turnCount desc").await;
    let counts: Vec<i32> = descending.iter().map(|(t, _)| *t).collect();
    // The first run's late ones (0 turns) are listed; this run's (100 turns, added after its
    // first page) sort before the cursor and are not.
    assert_eq!(counts, [9, 9, 7, 5, 3, 1, 0, 0, 0]);
    let names: std::collections::HashSet<_> = descending.iter().map(|(_, n)| n).collect();
    assert_eq!(names.len(), descending.len(), "each once");

    // A token belongs to its order.
    let mut first = list(2, "", "");
    first.order_by = "turn_count".into();
    let token = c
        .list_conversations(first)
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    let mut other = list(2, &token, "");
    other.order_by = "duration".into();
    assert_eq!(
        violations(&error(c.list_conversations(other).await)),
        ["page_token"]
    );
}

#[tokio::test]
async fn unpaged_lists_answer_everything() {
    let (_s, mut c) = emulator().await;
    let s = error(
        c.list_issues(ListIssuesRequest {
            parent: format!("{LOC}/issueModels/none"),
        })
        .await,
    );
    assert_eq!(s.code(), Code::NotFound, "the parent model does not exist");
    let models = c
        .list_issue_models(ListIssueModelsRequest { parent: LOC.into() })
        .await
        .unwrap()
        .into_inner();
    assert!(models.issue_models.is_empty());
}
