//! ListOperations: every page of a parent, lazily, with a guard against servers that loop.

use std::{
    collections::HashSet,
    hash::{BuildHasher, RandomState},
};

use futures_util::{stream, Stream, TryStreamExt};

use super::{call::Kind, headers::routing, Client};
use crate::{
    error::Violation,
    name::{walk, LOCATION_PATTERN},
    proto::google::longrunning::{
        ListOperationsRequest, ListOperationsResponse, Operation as RawOperation,
    },
    Error,
};

/// Options of ListOperations.
///
/// ```
/// use ccai_lro::ListOptions;
/// let options = ListOptions::new().filter("done=false").page_size(500);
/// assert_eq!(options.page_size, 500);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ListOptions {
    /// A filter, e.g. `done=true`.
    pub filter: String,
    /// Operations per page (0: the server's default).
    pub page_size: i32,
    /// Ask the server to return what it can when some locations are unreachable.
    pub return_partial_success: bool,
}

impl ListOptions {
    /// No filter, the server's page size.
    pub fn new() -> Self {
        ListOptions::default()
    }

    /// Only operations matching `filter`, e.g. `done=true`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = filter.into();
        self
    }

    /// Operations per page (0: the server's default). Negative sizes are refused before any
    /// RPC.
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = size;
        self
    }

    /// Ask for what the server can return when some locations are unreachable.
    pub fn return_partial_success(mut self, yes: bool) -> Self {
        self.return_partial_success = yes;
        self
    }
}

/// Where a listing stands: the next token, and the (hashes of the) tokens seen so far.
struct Listing {
    /// Why the listing cannot start (a malformed parent, a negative page size): reported as
    /// the first item, no RPC made.
    refused: Option<Error>,
    next: Option<String>,
    seen: HashSet<u64>,
    hasher: RandomState,
}

impl Client {
    /// ListOperations, one page per item, following `next_page_token` to the end. Each page
    /// carries `unreachable` locations, if the server reports any. A token handed out twice in
    /// one listing (A, B, A) ends it with [`Violation::RepeatedPageToken`].
    pub fn list_pages(
        &self,
        parent: &str,
        options: ListOptions,
    ) -> impl Stream<Item = Result<ListOperationsResponse, Error>> + Send + 'static {
        self.pages(parent, options, Kind::Operations)
    }

    /// [`Client::list_pages`] with pages of `kind`: one-shot (retried by the retry policy) or
    /// polls (one attempt each, so each attempt is one slot of the poll budget).
    pub(crate) fn pages(
        &self,
        parent: &str,
        options: ListOptions,
        kind: Kind,
    ) -> impl Stream<Item = Result<ListOperationsResponse, Error>> + Send + 'static {
        // Checked, and the routing header made, once for the whole listing.
        let refused = walk(parent, LOCATION_PATTERN, |_| ()).err().or_else(|| {
            (options.page_size < 0).then(|| {
                Error::InvalidArgument(format!(
                    "page size {} is negative: use 0 for the server's default, or more",
                    options.page_size
                ))
            })
        });
        let header = routing("name", parent);
        let parent = parent.to_owned();
        let client = self.clone();
        let start = Listing {
            refused,
            next: Some(String::new()),
            seen: HashSet::new(),
            hasher: RandomState::new(),
        };
        stream::try_unfold(start, move |mut listing| {
            let (parent, client, options) = (parent.clone(), client.clone(), options.clone());
            let header = header.clone();
            async move {
                if let Some(e) = listing.refused.take() {
                    return Err(e);
                }
                let Some(page_token) = listing.next.take() else {
                    return Ok(None);
                };
                let ops = client.operations_client();
                let page = client
                    .call("ListOperations", &parent, kind, |left| {
                        let msg = ListOperationsRequest {
                            name: parent.clone(),
                            filter: options.filter.clone(),
                            page_size: options.page_size,
                            page_token: page_token.clone(),
                            return_partial_success: options.return_partial_success,
                        };
                        let req = client.request_for(kind, msg, header.clone(), left);
                        let mut ops = ops.clone();
                        async move { ops.list_operations(req).await }
                    })
                    .await?;
                if !page.next_page_token.is_empty() {
                    // The first page's empty token is never handed out, so it is not recorded.
                    let token = &page.next_page_token;
                    let fresh = listing.seen.insert(listing.hasher.hash_one(token));
                    if !fresh {
                        return Err(Error::Protocol(Violation::RepeatedPageToken {
                            parent,
                            token: token.clone(),
                        }));
                    }
                    listing.next = Some(token.clone());
                }
                Ok(Some((page, listing)))
            }
        })
    }

    /// ListOperations as a stream of operations across all pages.
    pub fn list_operations(
        &self,
        parent: &str,
        options: ListOptions,
    ) -> impl Stream<Item = Result<RawOperation, Error>> + Send + 'static {
        self.list_pages(parent, options)
            .map_ok(|page| stream::iter(page.operations.into_iter().map(Ok)))
            .try_flatten()
    }
}
