//! Serving the emulator on a TCP listener until it is told to stop: [`serve`] and
//! [`MockServerBuilder::serve`], their shutdown grace and their error.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;

use super::MockServerBuilder;
use crate::transport::router::{router, tcp_incoming, Peers};

impl MockServerBuilder {
    /// Serves on `listener` until `shutdown` completes or a client sends `POST /shutdown` — the
    /// `ccai-lro emulator` loop.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        let export = self.export_on_exit.clone();
        let shared = self.shared();
        let stop = shared.clone();
        // Ends on the caller's signal or on `POST /shutdown`.
        let either = async move {
            tokio::select! {
                () = shutdown => {}
                () = stop.shutdown.notified() => {}
            }
        };
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let either = async move {
            either.await;
            let _ = stopping.send(());
        };
        let serving = router(&shared, Peers::Network)
            .serve_with_incoming_shutdown(tcp_incoming(listener, &shared.behaviour), either);
        // Graceful up to SHUTDOWN_GRACE: a client holding a connection open, silent, must not
        // keep the process alive.
        let served = tokio::select! {
            served = serving => served,
            () = async {
                if stopped.await.is_ok() {
                    tokio::time::sleep(SHUTDOWN_GRACE).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => Ok(()),
        };
        if let Some(path) = export {
            let document = crate::admin::state::export(&shared);
            crate::admin::state::write(&path, &document)
                .map_err(|source| ServeError::Export { path, source })?;
        }
        served.map_err(ServeError::Transport)
    }
}

/// Why [`MockServerBuilder::serve`] ended in error.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// Serving failed.
    Transport(tonic::transport::Error),
    /// The state could not be written to the `export_on_exit` file (the old file, if any, is
    /// left whole).
    Export {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Transport(e) => write!(f, "serving failed: {e}"),
            ServeError::Export { path, source } => {
                write!(f, "cannot write the state to {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Transport(e) => Some(e),
            ServeError::Export { source, .. } => Some(source),
        }
    }
}

/// How long a shutdown waits for open connections to finish before it stops all the same.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves the default mock (Insights defaults, no faults) on `listener` until `shutdown`
/// completes. This is the standalone emulator; use [`MockServer::builder`](crate::MockServer::builder) and
/// [`MockServerBuilder::serve`] to configure it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?; // the emulator prints this
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let emulator = tokio::spawn(ccai_lro_mock::serve(listener, async {
///     let _ = stopped.await; // the CLI waits for Ctrl-C here
/// }));
///
/// // Any gRPC client can now reach http://{addr}.
/// # let _ = addr;
/// let _ = stop.send(());
/// emulator.await??;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    MockServerBuilder::default()
        .track_resources(true)
        .serve(listener, shutdown)
        .await
}
