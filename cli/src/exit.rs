//! Exit codes and the one-line error report.

use std::process::ExitCode;

use ccai_lro::Error;

/// Exit code: a local I/O failure (cannot listen, cannot install signal handlers).
pub const IO: u8 = 1;
/// Exit code: a usage or local error (bad name, bad flag, bad configuration); no RPC was made.
pub const USAGE: u8 = 2;
/// Exit code: a call failed (the server's status, the transport or credentials), or the
/// server broke the protocol.
pub const RPC: u8 = 3;
/// Exit code: the operation finished with an error.
pub const OPERATION_FAILED: u8 = 4;
/// Exit code: we stopped waiting; the operation goes on.
pub const TIMEOUT: u8 = 5;
/// Exit code: interrupted by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// Why the command failed.
#[derive(Debug)]
pub enum Failure {
    /// A library error.
    Error(Error),
    /// Ctrl-C during a wait; the name to resume with.
    Interrupted { name: String, cancelled: bool },
    /// The command has reported on stderr already; only the exit code is left.
    Reported(u8),
    /// A local I/O failure: what was being done, and the cause.
    Io {
        doing: String,
        cause: std::io::Error,
    },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

impl Failure {
    /// Prints the one-line report on stderr and gives the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            Failure::Error(e) => {
                // The error's line names its code once. Server text may hold newlines; a report
                // is one line.
                let mut line = one_line(&e.to_string());
                match e {
                    Error::Auth { status: None, .. } => line.push_str(NO_CREDENTIALS_HINT),
                    Error::Timeout { name, .. } => {
                        line.push_str(&format!(" (resume with: ccai-lro wait {name})"))
                    }
                    _ => {}
                }
                eprintln!("error: {line}");
                ExitCode::from(code_of(e))
            }
            Failure::Reported(code) => ExitCode::from(*code),
            Failure::Io { doing, cause } => {
                eprintln!("error: {doing}: {cause}");
                ExitCode::from(IO)
            }
            Failure::Interrupted { name, cancelled } => {
                if *cancelled {
                    eprintln!("interrupted: cancellation requested for {name}");
                } else {
                    eprintln!("interrupted: {name} continues server-side; resume with: ccai-lro wait {name}");
                }
                ExitCode::from(INTERRUPTED)
            }
        }
    }
}

/// What the CLI adds when credentials could not be produced: its own ways to give them.
const NO_CREDENTIALS_HINT: &str = " (this command takes --api-key KEY or --access-token TOKEN; \
     for the emulator, set CONTACT_CENTER_INSIGHTS_EMULATOR_HOST=host:port)";

fn code_of(e: &Error) -> u8 {
    match e {
        Error::InvalidName { .. } | Error::InvalidArgument(_) => USAGE,
        Error::OperationFailed { .. } => OPERATION_FAILED,
        Error::Timeout { .. } => TIMEOUT,
        // The server's refusal, the transport, credentials, and protocol violations.
        _ => RPC,
    }
}

/// Completes on SIGINT or SIGTERM. The handlers are installed by this call, not at the first
/// poll, so a signal that arrives right after (say, once the emulator printed its address) is
/// not lost to the default action; handlers that cannot be installed are an I/O failure, not a
/// Ctrl-C that silently does nothing. Call inside the runtime.
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, Failure> {
    let io = |cause| Failure::Io {
        doing: "cannot install the signal handlers".into(),
        cause,
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(io)?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        let _ = io;
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// `text` on one line: control characters (newlines, ESC, ...) escaped, so that no server text
/// can break the line or drive the terminal.
pub fn one_line(text: &str) -> String {
    ccai_lro::status::Escaped(text).to_string()
}
