//! What goes to stdout: JSON (indented or compact) or one text line per operation.

use serde_json::Value;

use crate::args::Cli;

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
    /// Prints one operation on one stdout line: compact JSON, or the `--text` line.
    pub fn print_line(&self, op: &Value) {
        if self.text {
            println!("{}", text_line(op));
        } else {
            println!("{op}");
        }
    }
}

/// `NAME<TAB>STATE<TAB>DETAIL` for one operation's JSON.
fn text_line(op: &Value) -> String {
    let name = op["name"].as_str().unwrap_or("?");
    let (state, detail) = if let Some(err) = op.get("error") {
        let code = err["code"].as_i64().unwrap_or(0);
        let code = i32::try_from(code)
            .ok()
            .and_then(|c| ccai_lro::Code::try_from(c).ok())
            .map_or_else(|| format!("CODE_{code}"), |c| c.as_str_name().to_owned());
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
    format!("{name}\t{state}\t{detail}")
}
