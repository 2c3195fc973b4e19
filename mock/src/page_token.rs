//! Opaque ListOperations page tokens.
//!
//! A token is the hex of the position to resume from and a checksum binding it to the
//! request's parent and filter, so a tampered token, or one reused with another parent or
//! filter, is rejected with `INVALID_ARGUMENT` (AIP-158) instead of silently paging wrong.

use std::hash::{DefaultHasher, Hash, Hasher};

use tonic::Status;

// SipHash with fixed keys: stable for the life of the process, which is all a page token
// needs. It is a checksum against accidents and casual edits, not a MAC.
fn checksum(parent: &str, filter: &str, position: u64) -> u64 {
    let mut h = DefaultHasher::new();
    ("ccai-lro-mock-page", parent, filter, position).hash(&mut h);
    h.finish()
}

pub(crate) fn encode(parent: &str, filter: &str, position: u64) -> String {
    format!("{position:016x}{:016x}", checksum(parent, filter, position))
}

pub(crate) fn decode(parent: &str, filter: &str, token: &str) -> Result<u64, Status> {
    let invalid = || Status::invalid_argument(format!("invalid page_token {token:?}"));
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let position = u64::from_str_radix(&token[..16], 16).map_err(|_| invalid())?;
    let sum = u64::from_str_radix(&token[16..], 16).map_err(|_| invalid())?;
    if sum != checksum(parent, filter, position) {
        return Err(invalid());
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_edits() {
        let t = encode("projects/p/locations/l", "done=true", 1234);
        assert_eq!(
            decode("projects/p/locations/l", "done=true", &t).ok(),
            Some(1234)
        );
        assert!(decode("projects/p/locations/l", "", &t).is_err());
        assert!(decode("projects/q/locations/l", "done=true", &t).is_err());
        let mut edited = t.clone().into_bytes();
        edited[15] = if edited[15] == b'0' { b'1' } else { b'0' };
        let edited = String::from_utf8(edited).unwrap_or_default();
        assert!(decode("projects/p/locations/l", "done=true", &edited).is_err());
        assert!(decode("projects/p/locations/l", "done=true", "zz").is_err());
    }
}
