//! `google.longrunning.Operations` as Insights serves it: Get, List and Cancel; Delete and Wait
//! answer `UNIMPLEMENTED` unless [`MockServerBuilder::delete_and_wait`] turns them on.
//!
//! [`MockServerBuilder::delete_and_wait`]: crate::MockServerBuilder::delete_and_wait

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tonic::{Request, Response, Status};

use crate::method::{
    CANCEL_OPERATION, DELETE_OPERATION, GET_OPERATION, LIST_OPERATIONS, WAIT_OPERATION,
};
use crate::shared::Shared;
use crate::{names, page_token};
use ccai_lro::proto::google::longrunning::operations_server::Operations;
use ccai_lro::proto::google::longrunning::{
    CancelOperationRequest, DeleteOperationRequest, GetOperationRequest, ListOperationsRequest,
    ListOperationsResponse, Operation, WaitOperationRequest,
};

const DEFAULT_PAGE_SIZE: usize = 100;
/// The largest ListOperations page, whatever a request asks for.
pub const MAX_PAGE_SIZE: usize = 1000;
/// How long WaitOperation waits when the request sets no timeout.
const DEFAULT_WAIT: Duration = Duration::from_secs(60);
const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

pub(crate) struct OperationsService(pub(crate) Arc<Shared>);

fn not_found(name: &str) -> Status {
    names::not_found("Operation", "longrunning.googleapis.com/Operation", name)
}

/// The filters ListOperations understands: `done=true`, `done=false` (spaces allowed), none.
fn parse_filter(filter: &str) -> Result<Option<bool>, Status> {
    let compact: String = filter.split_whitespace().collect();
    match compact.as_str() {
        "" => Ok(None),
        "done=true" => Ok(Some(true)),
        "done=false" => Ok(Some(false)),
        _ => Err(Status::invalid_argument(format!(
            "unsupported filter {}: expected done=true or done=false",
            names::quote(filter)
        ))),
    }
}

fn page_size(requested: i32) -> Result<usize, Status> {
    match usize::try_from(requested) {
        Err(_) => Err(Status::invalid_argument(format!(
            "page_size must not be negative, got {requested}"
        ))),
        Ok(0) => Ok(DEFAULT_PAGE_SIZE),
        Ok(n) => Ok(n.min(MAX_PAGE_SIZE)),
    }
}

impl OperationsService {
    fn unimplemented(&self, method: &str) -> Result<(), Status> {
        if self.0.behaviour.delete_and_wait {
            Ok(())
        } else {
            Err(Status::unimplemented(format!(
                "Method google.longrunning.Operations.{method} is not implemented by this service."
            )))
        }
    }
}

#[tonic::async_trait]
impl Operations for OperationsService {
    async fn list_operations(
        &self,
        request: Request<ListOperationsRequest>,
    ) -> Result<Response<ListOperationsResponse>, Status> {
        let r = request.get_ref();
        self.0.admit(LIST_OPERATIONS, &r.name, &request).await?;
        let parent = names::parent(&r.name)?;
        names::bounded("filter", &r.filter)?;
        let done = if self.0.behaviour.ignore_filters {
            None
        } else {
            parse_filter(&r.filter)?
        };
        let size = page_size(r.page_size)?.min(self.0.behaviour.max_page_size);
        let position = if r.page_token.is_empty() {
            0
        } else {
            page_token::decode(parent, &r.filter, &r.page_token)?
        };
        let (operations, next) =
            self.0
                .operations
                .store()
                .page(parent, position, done, size, Instant::now());
        Ok(Response::new(ListOperationsResponse {
            operations,
            next_page_token: next
                .map(|p| page_token::encode(parent, &r.filter, p))
                .unwrap_or_default(),
            unreachable: Vec::new(),
        }))
    }

    async fn get_operation(
        &self,
        request: Request<GetOperationRequest>,
    ) -> Result<Response<Operation>, Status> {
        let name = &request.get_ref().name;
        self.0.admit(GET_OPERATION, name, &request).await?;
        names::operation(name)?;
        let op = self
            .0
            .operations
            .store()
            .get_mut(name)
            .map(|e| e.poll(Instant::now()))
            .ok_or_else(|| not_found(name))?;
        // A poll can finish a poll-driven script that a WaitOperation is watching.
        self.0.changed.notify_waiters();
        Ok(Response::new(op))
    }

    async fn delete_operation(
        &self,
        request: Request<DeleteOperationRequest>,
    ) -> Result<Response<()>, Status> {
        let name = &request.get_ref().name;
        self.0.admit(DELETE_OPERATION, name, &request).await?;
        self.unimplemented("DeleteOperation")?;
        names::operation(name)?;
        {
            let mut store = self.0.operations.store();
            if store.get(name).is_none() {
                return Err(not_found(name));
            }
            // A model moving by this operation settles as the operation stands now, and what
            // its end made happen (an upload announced, an analysis kept) is settled while the
            // operation is still in the store to render it.
            if self.0.behaviour.track_resources {
                let now = tokio::time::Instant::now();
                let outcome = crate::shared::outcome(&store, name, now);
                let mut engine = self.0.resources.engine();
                engine.settle_deleted(name, outcome);
                self.0.settle(&store, &mut engine, now);
                self.0.deliver(&mut engine);
            }
            store.remove(name);
        }
        self.0.changed.notify_waiters();
        Ok(Response::new(()))
    }

    async fn cancel_operation(
        &self,
        request: Request<CancelOperationRequest>,
    ) -> Result<Response<()>, Status> {
        let name = &request.get_ref().name;
        self.0.admit(CANCEL_OPERATION, name, &request).await?;
        names::operation(name)?;
        self.0
            .operations
            .store()
            .get_mut(name)
            .ok_or_else(|| not_found(name))?
            .cancel(Instant::now(), &self.0.clock.now());
        self.0.changed.notify_waiters();
        Ok(Response::new(()))
    }

    async fn wait_operation(
        &self,
        request: Request<WaitOperationRequest>,
    ) -> Result<Response<Operation>, Status> {
        let r = request.get_ref();
        self.0.admit(WAIT_OPERATION, &r.name, &request).await?;
        self.unimplemented("WaitOperation")?;
        names::operation(&r.name)?;
        let timeout = match &r.timeout {
            None => DEFAULT_WAIT,
            Some(t) => Duration::try_from(*t).map_err(|_| {
                Status::invalid_argument(format!("invalid timeout {}s {}ns", t.seconds, t.nanos))
            })?,
        };
        // Any timeout beyond a day is as good as forever, and cannot overflow `Instant`.
        let deadline = Instant::now() + timeout.min(MAX_WAIT);
        loop {
            // Register for changes before reading, so one between the read and the wait is seen.
            let changed = self.0.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            let (op, next) = {
                let store = self.0.operations.store();
                let entry = store.get(&r.name).ok_or_else(|| not_found(&r.name))?;
                (entry.render(now), entry.next_change(now))
            };
            if op.done || now >= deadline {
                return Ok(Response::new(op));
            }
            let wake = next.map_or(deadline, |n| n.min(deadline));
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_page_sizes() {
        assert_eq!(parse_filter("").ok(), Some(None));
        assert_eq!(parse_filter(" done = true ").ok(), Some(Some(true)));
        assert_eq!(parse_filter("done=false").ok(), Some(Some(false)));
        assert!(parse_filter("name=x").is_err());
        assert_eq!(page_size(0).ok(), Some(100));
        assert_eq!(page_size(5000).ok(), Some(1000));
        assert!(page_size(-1).is_err());
    }
}
