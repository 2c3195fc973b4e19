//! The watched set as JSON Lines, to survive a restart: one `{"name", "response",
//! "metadata"}` object a line, the type URLs the watcher expects (`null` for any).

use std::io::{BufRead, Write};

use serde_json::{json, Value};

use super::Watcher;
use crate::{operation::Payload, Error};

impl<R: Payload, M: Payload> Watcher<R, M> {
    /// Writes every operation not yet reported by [`next`](Watcher::next), one JSON object a
    /// line: `{"name": …, "response": <type URL or null>, "metadata": <type URL or null>}`.
    /// Operations seen finished but not yet returned are written too: a watcher that imports
    /// them reports them again, so a restart loses nothing.
    ///
    /// Needs the `json` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub fn export(&self, mut out: impl Write) -> std::io::Result<()> {
        let (response, metadata) = (R::type_url(), M::type_url());
        let mut names = self.pending();
        names.sort();
        for name in names {
            let line = json!({ "name": name, "response": response, "metadata": metadata });
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    /// Watches every operation of an [`export`](Watcher::export), checking each line's types
    /// against this watcher's; returns how many were added. A line that is not such an object,
    /// or names other types, is an [`Error::InvalidArgument`] naming the line, and nothing from
    /// that line on is added. Blank lines are skipped.
    ///
    /// Needs the `json` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub fn import(&mut self, input: impl BufRead) -> Result<usize, Error> {
        let expected = [("response", R::type_url()), ("metadata", M::type_url())];
        let mut added = 0;
        for (i, line) in input.lines().enumerate() {
            let at = |what: String| Error::InvalidArgument(format!("line {}: {what}", i + 1));
            let line = line.map_err(|e| at(format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value =
                serde_json::from_str(&line).map_err(|e| at(format!("not JSON: {e}")))?;
            let name = value
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| at("no \"name\" string".into()))?;
            for (field, want) in &expected {
                let got = value.get(*field).and_then(Value::as_str);
                if let (Some(got), Some(want)) = (got, want) {
                    if !crate::registry::same_type(got, want) {
                        return Err(at(format!(
                            "{field} type {got} is not this watcher's {want}"
                        )));
                    }
                }
            }
            self.add(name).map_err(|e| at(e.to_string()))?;
            added += 1;
        }
        Ok(added)
    }
}
