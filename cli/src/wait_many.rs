//! `wait` on many operations: one watcher on one poll budget, a JSON line per operation as it
//! finishes, a done/total bar on a terminal.

use std::{
    collections::HashSet,
    io::{BufRead, IsTerminal},
    time::Duration,
};

use ccai_lro::{
    json,
    name::{check, OPERATION_PATTERN},
    watch::Watcher,
    Client, Error,
};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Instant;

use crate::{
    args,
    exit::{one_line, Failure, INTERRUPTED, OPERATION_FAILED, TIMEOUT},
    Cli,
};

/// Names on the command line, then from `--names-from`, each checked, duplicates dropped.
pub fn names(w: &args::Wait) -> Result<Vec<String>, Failure> {
    let mut names = w.names.clone();
    if let Some(path) = &w.names_from {
        let io = |cause| Failure::Io {
            doing: format!("cannot read names from {path}"),
            cause,
        };
        let lines: Vec<String> = if path == "-" {
            std::io::stdin().lock().lines().collect::<Result<_, _>>()
        } else {
            let file = std::fs::File::open(path).map_err(io)?;
            std::io::BufReader::new(file)
                .lines()
                .collect::<Result<_, _>>()
        }
        .map_err(io)?;
        names.extend(
            lines
                .into_iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        );
    }
    let mut seen = HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    for n in &names {
        // This is the Insights CLI: its names have Insights' shape, checked before any RPC.
        check(n, OPERATION_PATTERN)?;
    }
    if names.is_empty() {
        return Err(Error::InvalidArgument("no operation names to wait on".into()).into());
    }
    Ok(names)
}

/// Waits on every name, printing each operation as it finishes. Exit 0 when all succeeded, 4
/// when any failed, 5 when `timeout` came first (what still runs is listed on stderr).
pub async fn wait(
    cli: &Cli,
    client: Client,
    names: Vec<String>,
    timeout: Option<Duration>,
) -> Result<(), Failure> {
    let total = names.len() as u64;
    let mut watcher: Watcher = Watcher::new(client);
    for n in &names {
        watcher.add(n)?;
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} done {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let interrupt = crate::exit::shutdown_signal()?;
    futures_util::pin_mut!(interrupt);
    let now = Instant::now();
    // A timeout past what the clock can hold is no timeout.
    let deadline = timeout.and_then(|t| now.checked_add(t));
    let stop = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    futures_util::pin_mut!(stop);
    let mut failed = 0u64;
    let ended = loop {
        tokio::select! {
            finished = watcher.next() => {
                let Some(f) = finished else { break None };
                match (&f.operation, &f.outcome) {
                    (Some(op), _) => {
                        if cli.print_line(&json::operation_to_json(op)).is_err() {
                            // The reader went away (`| head`): nothing left to tell it.
                            return Ok(());
                        }
                    }
                    (None, Err(e)) => {
                        let line = one_line(&format!("error: {}: {e}", f.name));
                        match &bar {
                            Some(bar) => bar.println(line),
                            None => eprintln!("{line}"),
                        }
                    }
                    (None, Ok(_)) => {}
                }
                if f.outcome.is_err() {
                    failed += 1;
                }
                if let Some(bar) = &bar {
                    bar.inc(1);
                    bar.set_message(if failed > 0 { format!("({failed} failed)") } else { String::new() });
                }
            }
            () = &mut stop => break Some(TIMEOUT),
            () = &mut interrupt => break Some(INTERRUPTED),
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Stopped by the timeout or Ctrl-C mid-sweep: what was seen finished is still printed.
    while let Some(Some(f)) = futures_util::FutureExt::now_or_never(watcher.next()) {
        if let Some(op) = &f.operation {
            let _ = cli.print_line(&json::operation_to_json(op));
        }
        if f.outcome.is_err() {
            failed += 1;
        }
    }
    let done = total - watcher.len() as u64;
    eprintln!("{done} of {total} operations finished, {failed} failed");
    match ended {
        None if failed > 0 => Err(Failure::Reported(OPERATION_FAILED)),
        None => Ok(()),
        Some(code) => {
            let mut pending = watcher.pending();
            pending.sort();
            let why = if code == TIMEOUT {
                "timeout"
            } else {
                "interrupted"
            };
            for n in &pending {
                eprintln!("{why}: {n} still running");
            }
            eprintln!(
                "{} still running continue server-side; resume with: ccai-lro wait --names-from FILE (the names above, one a line)",
                pending.len()
            );
            Err(Failure::Reported(code))
        }
    }
}
