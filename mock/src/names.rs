//! Resource-name validation, answering `INVALID_ARGUMENT` the way the service does.

use tonic::Status;

use ccai_lro::name::{
    is_valid_segment, walk, LOCATION_PATTERN as PARENT_PATTERN, OPERATION_PATTERN,
};

/// The longest resource name, parent or filter accepted, in bytes; longer ones are
/// INVALID_ARGUMENT before anything else is done with them.
pub const MAX_NAME_LEN: usize = 1024;
/// How much of a client's text an error message quotes, in characters.
pub(crate) const QUOTE_LEN: usize = 128;

/// `text` quoted for an error message: escaped, and cut to [`QUOTE_LEN`] characters (the rest
/// only counted), so a client cannot have its megabytes echoed back.
pub(crate) fn quote(text: &str) -> String {
    let cut: String = text.chars().take(QUOTE_LEN).collect();
    if cut.len() < text.len() {
        format!("{cut:?}... ({} bytes)", text.len())
    } else {
        format!("{cut:?}")
    }
}

/// A field path as protobuf names it: `displayName.firstWord` is `display_name.first_word`;
/// snake_case stays as it is. (Clients send masks and orders in either spelling.)
pub(crate) fn snake_case(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Refuses a name, parent or filter over [`MAX_NAME_LEN`].
pub(crate) fn bounded<'a>(what: &str, text: &'a str) -> Result<&'a str, Status> {
    if text.len() > MAX_NAME_LEN {
        return Err(Status::invalid_argument(format!(
            "{what} {} is longer than {MAX_NAME_LEN} bytes",
            quote(text)
        )));
    }
    Ok(text)
}

/// The client's own pattern check (`ccai_lro::name::walk`), answered as the service does: what
/// the client refuses locally, the server refuses too. Returns the last variable.
fn checked<'a>(name: &'a str, pattern: &'static str) -> Result<&'a str, Status> {
    bounded("resource name", name)?;
    let mut last = "";
    walk(name, pattern, |v| last = v).map_err(|_| {
        Status::invalid_argument(format!(
            "invalid resource name {}: expected {pattern}",
            quote(name)
        ))
    })?;
    Ok(last)
}

/// Splits `projects/{p}/locations/{l}/operations/{o}` into its parent and operation id.
pub(crate) fn operation(name: &str) -> Result<(&str, &str), Status> {
    let o = checked(name, OPERATION_PATTERN)?;
    // The parent is a prefix of the name: slice instead of allocating.
    let parent_len = name.len() - o.len() - "/operations/".len();
    Ok((name.get(..parent_len).unwrap_or_default(), o))
}

/// Checks a ListOperations parent `projects/{p}/locations/{l}`.
pub(crate) fn parent(name: &str) -> Result<&str, Status> {
    checked(name, PARENT_PATTERN).map(|_| name)
}

/// The `projects/{p}/locations/{l}` prefix of any Insights resource name (a parent, an
/// issue model, an encryption spec...), which is where that resource's operations live.
pub(crate) fn location_of<'a>(field: &str, resource: &'a str) -> Result<&'a str, Status> {
    bounded(field, resource)?;
    let mut parts = resource.splitn(5, '/');
    let ok = matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("projects"), Some(p), Some("locations"), Some(l)) if is_valid_segment(p) && is_valid_segment(l)
    );
    if !ok {
        return Err(Status::invalid_argument(format!(
            "invalid {field} {}: expected {PARENT_PATTERN}[/...]",
            quote(resource)
        )));
    }
    let rest = parts.next();
    if rest.is_some_and(|r| r.split('/').any(|s| !is_valid_segment(s))) {
        return Err(Status::invalid_argument(format!(
            "invalid {field} {}: empty or malformed segment",
            quote(resource)
        )));
    }
    let len = match rest {
        Some(r) => resource.len() - r.len() - 1,
        None => resource.len(),
    };
    Ok(&resource[..len])
}

/// NOT_FOUND for the resource `name` of `resource_type` (say
/// `contactcenterinsights.googleapis.com/IssueModel`), with the `ResourceInfo` detail that
/// AIP-193 asks of it; `what` names it in the message ("Issue model").
pub(crate) fn not_found(what: &str, resource_type: &str, name: &str) -> Status {
    use ccai_lro::proto::google::rpc;
    use prost::Message;
    let message = format!("{what} {} not found.", quote(name));
    let info = rpc::ResourceInfo {
        resource_type: resource_type.to_owned(),
        resource_name: bounded_lossy(name),
        owner: String::new(),
        description: String::new(),
    };
    let details = rpc::Status {
        code: tonic::Code::NotFound as i32,
        message: message.clone(),
        details: prost_types::Any::from_msg(&info).into_iter().collect(),
    };
    Status::with_details(
        tonic::Code::NotFound,
        message,
        details.encode_to_vec().into(),
    )
}

/// A name echoed in a detail: cut to the size the service accepts in names, so a huge one
/// does not grow the answer.
fn bounded_lossy(name: &str) -> String {
    let mut end = name.len().min(MAX_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_operation_names() {
        assert_eq!(
            operation("projects/p/locations/l/operations/42").ok(),
            Some(("projects/p/locations/l", "42"))
        );
        for bad in [
            "",
            "projects/p/locations/l/operations/",
            "projects/p/locations/l/operations/a/b",
            "projects//locations/l/operations/1",
            "operations/1",
            "projects/p/locations/l/operation/1",
        ] {
            assert!(operation(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_the_location_of_resources() {
        assert_eq!(
            location_of("name", "projects/p/locations/l/issueModels/m").ok(),
            Some("projects/p/locations/l")
        );
        assert_eq!(
            location_of("parent", "projects/p/locations/l").ok(),
            Some("projects/p/locations/l")
        );
        assert!(location_of("name", "projects/p/locations/l/issueModels/").is_err());
        assert!(location_of("name", "projects/p").is_err());
    }
}
