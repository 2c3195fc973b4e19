//! What goes to stdout: JSON (indented or compact) or one text line per operation.

use std::io::Write;

use ccai_lro::{json, proto::google::longrunning::ListOperationsResponse, Error};
use futures_util::{Stream, StreamExt};
use serde_json::Value;

use crate::{args::Cli, exit::Failure};

/// The most `unreachable` locations a listing reports.
const MAX_UNREACHABLE: usize = 1000;

/// `list`: each page printed as it arrives, so memory does not grow with the listing; the
/// output is one JSON document all the same (`{"operations": [...], "unreachable": [...]}`),
/// or one text line per operation. Stops after `limit` operations. A failure ends the
/// document first, so what was printed stays valid JSON, then reports.
pub async fn list(
    cli: &Cli,
    pages: impl Stream<Item = Result<ListOperationsResponse, Error>>,
    limit: Option<usize>,
) -> Result<(), Failure> {
    futures_util::pin_mut!(pages);
    let mut stdout = std::io::stdout().lock();
    let (open, sep, close) = if cli.compact {
        ("{\"operations\":[", ",", "]")
    } else {
        ("{\n  \"operations\": [\n", ",\n", "\n  ]")
    };
    if !cli.text {
        let _ = write!(stdout, "{open}");
    }
    let (mut printed, mut unreachable, mut failure) = (0usize, Vec::new(), None);
    'pages: loop {
        // Not a page more than asked for: the limit may be met at a page's end.
        if limit.is_some_and(|l| printed >= l) {
            break;
        }
        let Some(page) = pages.next().await else {
            break;
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        // Bounded: a server listing millions of "unreachable" locations must not grow memory.
        let room = MAX_UNREACHABLE.saturating_sub(unreachable.len());
        unreachable.extend(page.unreachable.into_iter().take(room));
        for op in &page.operations {
            if limit.is_some_and(|l| printed >= l) {
                break 'pages;
            }
            let value = json::operation_to_json(op);
            let written = if cli.text {
                writeln!(stdout, "{}", text_line(&value))
            } else if cli.compact {
                write!(stdout, "{}{value}", if printed > 0 { sep } else { "" })
            } else {
                let indented = format!("{value:#}").replace('\n', "\n    ");
                write!(
                    stdout,
                    "{}    {indented}",
                    if printed > 0 { sep } else { "" }
                )
            };
            printed += 1;
            if written.and_then(|()| stdout.flush()).is_err() {
                // The reader went away (`| head`): stop fetching.
                return Ok(());
            }
        }
    }
    if cli.text {
        for u in &unreachable {
            let _ = writeln!(stdout, "unreachable\t{}", crate::exit::one_line(u));
        }
    } else {
        let _ = write!(stdout, "{}", if printed > 0 { close } else { "]" });
        if !unreachable.is_empty() {
            let list = serde_json::json!(unreachable);
            let _ = if cli.compact {
                write!(stdout, ",\"unreachable\":{list}")
            } else {
                write!(stdout, ",\n  \"unreachable\": {list}")
            };
        }
        let _ = writeln!(stdout, "{}", if cli.compact { "}" } else { "\n}" });
    }
    failure.map_or(Ok(()), |e| Err(e.into()))
}

impl Cli {
    /// Prints a result on stdout.
    pub fn print(&self, value: &Value) {
        if self.text {
            let ops = match value.get("operations").and_then(Value::as_array) {
                Some(list) => list.iter().collect(),
                None if value.get("name").is_some() => vec![value],
                None => Vec::new(),
            };
            for op in ops {
                println!("{}", text_line(op));
            }
            if let Some(unreachable) = value.get("unreachable").and_then(Value::as_array) {
                for u in unreachable {
                    println!("unreachable\t{}", u.as_str().unwrap_or_default());
                }
            }
            return;
        }
        let text = if self.compact {
            value.to_string()
        } else {
            format!("{value:#}")
        };
        println!("{text}");
    }
}

impl Cli {
    /// Prints one operation on one stdout line: compact JSON, or the `--text` line. An error
    /// means stdout is gone (a closed pipe): the caller stops.
    pub fn print_line(&self, op: &Value) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        if self.text {
            writeln!(out, "{}", text_line(op))
        } else {
            writeln!(out, "{op}")
        }
    }
}

/// `NAME<TAB>STATE<TAB>DETAIL` for one operation's JSON.
fn text_line(op: &Value) -> String {
    let name = op["name"].as_str().unwrap_or("?");
    let (state, detail) = if let Some(err) = op.get("error") {
        let code = err["code"].as_i64().unwrap_or(0);
        let code = i32::try_from(code).map_or_else(
            |_| format!("CODE_{code}").into(),
            ccai_lro::status::code_name,
        );
        (
            "failed",
            format!("{code}: {}", err["message"].as_str().unwrap_or_default()),
        )
    } else if op["done"] == true {
        (
            "done",
            op["response"]["@type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    } else {
        (
            "running",
            op["metadata"]["@type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    // Server text, escaped field by field: one line whatever it holds, so no line (or column)
    // of the output can be forged.
    let (name, detail) = (crate::exit::one_line(name), crate::exit::one_line(&detail));
    format!("{name}\t{state}\t{detail}")
}
