//! Waiting on an operation: a progress bar on a terminal, log lines otherwise, Ctrl-C to stop.

use std::io::IsTerminal;

use ccai_lro::{json, PollPolicy, UntypedOperation};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Instant;

use crate::{args, exit::Failure, Cli};

/// Waits for `op`, showing progress on stderr, then prints it; the outcome decides the exit code.
pub async fn wait(cli: &Cli, op: UntypedOperation, args: &args::Wait) -> Result<(), Failure> {
    let policy = args.timeout.map_or(op.client().poll_policy(), |t| {
        op.client().poll_policy().with_deadline(t)
    });
    wait_with(cli, op, args, policy).await
}

/// [`wait`] with an explicit polling policy.
pub async fn wait_with(
    cli: &Cli,
    mut op: UntypedOperation,
    args: &args::Wait,
    policy: PollPolicy,
) -> Result<(), Failure> {
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
    let interrupted = {
        let progress = op.progress(policy);
        futures_util::pin_mut!(progress);
        let mut polls = 0u32;
        let interrupt = crate::exit::shutdown_signal();
        futures_util::pin_mut!(interrupt);
        loop {
            tokio::select! {
                item = progress.next() => {
                    let Some(item) = item else { break false };
                    polls += 1;
                    let meta = match item {
                        Ok(Some(any)) => summary(&any),
                        Ok(None) => "(no metadata)".to_owned(),
                        Err(e) => {
                            if let Some(bar) = &bar { bar.finish_and_clear(); }
                            return Err(e.into());
                        }
                    };
                    match &bar {
                        Some(bar) => {
                            bar.set_prefix(format!("polls {polls}"));
                            bar.set_message(meta);
                        }
                        None => eprintln!("poll {polls} after {:.1?}: {meta}", started.elapsed()),
                    }
                }
                _ = &mut interrupt => break true,
            }
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if interrupted {
        let cancelled = args.cancel_on_interrupt && op.cancel().await.is_ok();
        return Err(Failure::Interrupted { name, cancelled });
    }
    cli.print(&json::operation_to_json(op.raw()));
    // The operation was printed either way; a failed one also sets the exit code.
    op.result().map(drop).map_err(Into::into)
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
