//! Paged lists (AIP-158), ListOperations and every paged Insights List RPC: every page,
//! lazily, with a guard against servers that loop.

use std::{
    collections::{HashSet, VecDeque},
    hash::{BuildHasher, RandomState},
};

use futures_util::{
    stream::{self, BoxStream},
    Stream, StreamExt, TryStreamExt,
};

use super::{call::Kind, Client};
use crate::{
    error::Violation,
    name::{walk, LOCATION_PATTERN},
    proto::google::longrunning::{
        ListOperationsRequest, ListOperationsResponse, Operation as RawOperation,
    },
    rpc::{Method, Paged, Rpc},
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

/// How many of a listing's latest page tokens are remembered to catch a server that loops:
/// a cycle of up to this many pages ends the listing with an error. Memory stays at about
/// 16 bytes a token however long the listing runs; a longer cycle is bounded only by the
/// caller's item limit.
pub const REMEMBERED_PAGE_TOKENS: usize = 1024;

/// The hashes of the latest [`REMEMBERED_PAGE_TOKENS`] page tokens.
#[derive(Debug)]
struct Tokens {
    order: VecDeque<u64>,
    set: HashSet<u64>,
    hasher: RandomState,
}

impl Tokens {
    fn new() -> Tokens {
        Tokens {
            order: VecDeque::new(),
            set: HashSet::new(),
            hasher: RandomState::new(),
        }
    }

    /// Remembers `token`; false if it is among the remembered ones already.
    fn fresh(&mut self, token: &str) -> bool {
        let hash = self.hasher.hash_one(token);
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > REMEMBERED_PAGE_TOKENS {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// Where a listing stands: the request of the next page, and the latest tokens.
struct Listing<R> {
    /// Why the listing cannot start (a malformed parent, a negative page size): reported as
    /// the first item, no RPC made.
    refused: Option<Error>,
    /// The next page's request; `None` once the last page came.
    next: Option<R>,
    seen: Tokens,
}

impl Rpc for ListOperationsRequest {
    type Response = ListOperationsResponse;
    const METHOD: &'static Method = super::LIST_OPERATIONS;
    fn routing_value(&self) -> &str {
        &self.name
    }
}

impl Paged for ListOperationsRequest {
    type Item = RawOperation;
    fn page_size(&self) -> i32 {
        self.page_size
    }
    fn set_page_token(&mut self, token: String) {
        self.page_token = token;
    }
    fn next_page_token(page: &ListOperationsResponse) -> &str {
        &page.next_page_token
    }
    fn into_items(page: ListOperationsResponse) -> Vec<RawOperation> {
        page.operations
    }
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
        self.operation_pages(parent, options, Kind::Operations)
    }

    /// [`Client::list_pages`] with pages of `kind`: one-shot (retried by the retry policy) or
    /// polls (one attempt each, so each attempt is one slot of the poll budget).
    pub(crate) fn operation_pages(
        &self,
        parent: &str,
        options: ListOptions,
        kind: Kind,
    ) -> impl Stream<Item = Result<ListOperationsResponse, Error>> + Send + 'static {
        let refused = walk(parent, LOCATION_PATTERN, |_| ()).err();
        let request = ListOperationsRequest {
            name: parent.to_owned(),
            filter: options.filter,
            page_size: options.page_size,
            page_token: String::new(),
            return_partial_success: options.return_partial_success,
        };
        self.follow(request, kind, refused)
    }

    /// ListOperations as a stream of operations across all pages.
    pub fn list_operations(
        &self,
        parent: &str,
        options: ListOptions,
    ) -> impl Stream<Item = Result<RawOperation, Error>> + Send + 'static {
        flatten::<ListOperationsRequest>(self.list_pages(parent, options), None)
    }

    /// Every page of a paged List RPC (AIP-158), lazily: the first with `request`'s own page
    /// token, then each `next_page_token` until an empty one. A token handed out twice in one
    /// listing ends it with [`Violation::RepeatedPageToken`]; a negative page size is refused
    /// before any RPC. Pages are reads: retried on UNAVAILABLE.
    pub fn page_stream<R: Paged>(
        &self,
        request: R,
    ) -> BoxStream<'static, Result<R::Response, Error>> {
        self.follow(request, Kind::of(R::METHOD, false), None)
            .boxed()
    }

    /// The items of every page ([`Client::page_stream`]), at most `limit` of them: no page is
    /// asked for once the limit is reached. The stream is boxed (one allocation a listing) so
    /// it can be polled where it stands.
    ///
    /// ```no_run
    /// # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
    /// use futures_util::TryStreamExt;
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::ListConversationsRequest;
    /// let request = ListConversationsRequest {
    ///     parent: "projects/p/locations/us-central1".into(),
    ///     page_size: 100,
    ///     ..Default::default()
    /// };
    /// let first: Vec<_> = client.item_stream(request, Some(250)).try_collect().await?;
    /// assert!(first.len() <= 250);
    /// # Ok(()) }
    /// ```
    pub fn item_stream<R: Paged>(
        &self,
        request: R,
        limit: Option<usize>,
    ) -> BoxStream<'static, Result<R::Item, Error>> {
        flatten::<R>(self.page_stream(request), limit).boxed()
    }

    /// Pages of `request` sent as `kind`.
    pub(crate) fn follow<R: Paged>(
        &self,
        request: R,
        kind: Kind,
        refused: Option<Error>,
    ) -> impl Stream<Item = Result<R::Response, Error>> + Send + 'static {
        let refused = refused.or_else(|| {
            (request.page_size() < 0).then(|| {
                Error::InvalidArgument(format!(
                    "page size {} is negative: use 0 for the server's default, or more",
                    request.page_size()
                ))
            })
        });
        let client = self.clone();
        let start = Listing {
            refused,
            next: Some(request),
            seen: Tokens::new(),
        };
        stream::try_unfold(start, move |mut listing| {
            let client = client.clone();
            async move {
                if let Some(e) = listing.refused.take() {
                    return Err(e);
                }
                let Some(mut request) = listing.next.take() else {
                    return Ok(None);
                };
                let page = client.send(&request, kind).await?;
                let token = R::next_page_token(&page);
                if !token.is_empty() {
                    // The first page's token is the caller's, so it is not recorded.
                    let fresh = listing.seen.fresh(token);
                    if !fresh {
                        return Err(Error::Protocol(Violation::RepeatedPageToken {
                            method: R::METHOD.name,
                            parent: request.routing_value().to_owned(),
                            token: token.to_owned(),
                        }));
                    }
                    request.set_page_token(token.to_owned());
                    listing.next = Some(request);
                }
                Ok(Some((page, listing)))
            }
        })
    }
}

/// The items of `pages`, at most `limit`.
fn flatten<R: Paged>(
    pages: impl Stream<Item = Result<R::Response, Error>> + Send + 'static,
    limit: Option<usize>,
) -> impl Stream<Item = Result<R::Item, Error>> + Send + 'static {
    pages
        .map_ok(|page| stream::iter(R::into_items(page).into_iter().map(Ok)))
        .try_flatten()
        .take(limit.unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_within_the_window_is_caught_and_memory_stays_bounded() {
        let mut tokens = Tokens::new();
        for i in 0..5 * REMEMBERED_PAGE_TOKENS {
            assert!(tokens.fresh(&format!("t{i}")));
            assert!(tokens.order.len() <= REMEMBERED_PAGE_TOKENS);
            assert!(tokens.set.len() <= REMEMBERED_PAGE_TOKENS);
        }
        let last = 5 * REMEMBERED_PAGE_TOKENS - 1;
        // The latest window is remembered...
        assert!(!tokens.fresh(&format!("t{last}")));
        assert!(!tokens.fresh(&format!("t{}", last + 1 - REMEMBERED_PAGE_TOKENS)));
        // ...and what fell out of it is not.
        assert!(tokens.fresh(&format!("t{}", last - REMEMBERED_PAGE_TOKENS)));
    }
}
