//! Waiting on an operation: a progress bar on a terminal, log lines otherwise, Ctrl-C to stop.

use std::io::IsTerminal;

use ccai_lro::{json, PollPolicy, Progress, UntypedOperation};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Instant;

use crate::{exit::Failure, Cli};

/// How long `--cancel-on-interrupt` tries to cancel before exiting.
const CANCEL_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// How to wait.
pub struct Watch {
    /// Delays, failed polls, deadline.
    pub policy: PollPolicy,
    /// On Ctrl-C, ask the server to cancel the operation.
    pub cancel_on_interrupt: bool,
}

/// Waits for `op`, showing progress on stderr, then prints it; the outcome decides the exit
/// code. An operation that finished is printed whether it succeeded or failed.
pub async fn wait(cli: &Cli, mut op: UntypedOperation, how: Watch) -> Result<(), Failure> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {prefix} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let started = Instant::now();
    let name = op.name().to_owned();
    // Handlers first, so a Ctrl-C during the first request is caught too.
    let interrupt = crate::exit::shutdown_signal()?;
    eprintln!("waiting for {name}; Ctrl-C stops waiting");
    let (interrupted, ended) = {
        let mut progress = op.progress_with(how.policy);
        futures_util::pin_mut!(interrupt);
        let mut polls = 0u32;
        loop {
            tokio::select! {
                item = progress.next() => {
                    let line = match item {
                        None | Some(Ok(Progress::Done(_))) => break (false, None),
                        Some(Err(e)) => break (false, Some(e)),
                        Some(Ok(Progress::Running(Some(any)))) => summary(&any),
                        Some(Ok(Progress::Running(None))) => "(no metadata)".to_owned(),
                        Some(Ok(Progress::Retrying(e))) => format!("poll failed, polling on: {e}"),
                        Some(Ok(Progress::MetadataUnreadable(e))) => format!("metadata unreadable: {e}"),
                        Some(Ok(_)) => continue,
                    };
                    polls += 1;
                    let line = crate::exit::one_line(&line);
                    match &bar {
                        Some(bar) => {
                            bar.set_prefix(format!("polls {polls}"));
                            bar.set_message(line);
                        }
                        None => eprintln!("poll {polls} after {:.1?}: {line}", started.elapsed()),
                    }
                }
                _ = &mut interrupt => break (true, None),
            }
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if interrupted {
        // Bounded: a second Ctrl-C finds the handlers still installed, so a dead server must
        // not hold the exit for a whole call budget.
        let cancel = tokio::time::timeout(CANCEL_WITHIN, op.cancel());
        let cancelled = how.cancel_on_interrupt && matches!(cancel.await, Ok(Ok(())));
        return Err(Failure::Interrupted { name, cancelled });
    }
    if op.done() {
        cli.print(&json::operation_to_json(op.raw()));
        // Printed either way; a failed one also sets the exit code.
        return op.result().map(drop).map_err(Into::into);
    }
    ended.map_or(Ok(()), |e| Err(e.into()))
}

/// One line for a metadata snapshot: the type's short name, then its fields as JSON (the full
/// type URL would fill a terminal line before any field shows).
fn summary(any: &prost_types::Any) -> String {
    let mut json = json::any_to_json(any);
    if let Some(fields) = json.as_object_mut() {
        fields.shift_remove("@type");
    }
    let short = any.type_url.rsplit(['/', '.']).next().unwrap_or_default();
    format!("{short} {json}")
}
