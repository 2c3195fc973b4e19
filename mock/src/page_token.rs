//! Opaque page tokens, for ListOperations and the resource Lists.
//!
//! A token is the hex of the position to resume from (one number, or several: a sort key and a
//! sequence) and a checksum binding it to the request's parent and filter, so a tampered token, or one reused with another parent or
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
    encode_all(parent, filter, &[position])
}

pub(crate) fn decode(parent: &str, filter: &str, token: &str) -> Result<u64, Status> {
    let [position] = decode_all::<1>(parent, filter, token)?;
    Ok(position)
}

/// The checksum of several numbers: each folded in turn.
fn checksum_all(parent: &str, filter: &str, numbers: &[u64]) -> u64 {
    numbers.iter().fold(0, |sum, &n| {
        checksum(parent, filter, n ^ sum.rotate_left(17))
    })
}

/// The longest name a token carries: a resource name's bound.
const MAX_TOKEN_NAME: usize = crate::names::MAX_NAME_LEN;

/// A token holding a name (the last item of a page listed in name order).
pub(crate) fn encode_name(parent: &str, filter: &str, name: &str) -> String {
    let mut token: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    let sum = checksum(&format!("{parent}\n{name}"), filter, name.len() as u64);
    token.push_str(&format!("{sum:016x}"));
    token
}

/// The name of a token made by [`encode_name`] for the same parent and filter.
pub(crate) fn decode_name(parent: &str, filter: &str, token: &str) -> Result<String, Status> {
    let invalid =
        || Status::invalid_argument(format!("invalid page_token {}", crate::names::quote(token)));
    let hex_len = token.len().checked_sub(16).ok_or_else(invalid)?;
    if hex_len % 2 != 0
        || hex_len > 2 * MAX_TOKEN_NAME
        || !token.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(invalid());
    }
    let (hex, sum) = (
        token.get(..hex_len).ok_or_else(invalid)?,
        token.get(hex_len..).ok_or_else(invalid)?,
    );
    let bytes = (0..hex_len / 2)
        .map(|i| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(invalid)
        })
        .collect::<Result<Vec<u8>, _>>()?;
    let name = String::from_utf8(bytes).map_err(|_| invalid())?;
    let sum = u64::from_str_radix(sum, 16).map_err(|_| invalid())?;
    if sum != checksum(&format!("{parent}\n{name}"), filter, name.len() as u64) {
        return Err(invalid());
    }
    Ok(name)
}

/// A token holding `numbers` (a ListOperations position is one; a sort key and a sequence two).
pub(crate) fn encode_all(parent: &str, filter: &str, numbers: &[u64]) -> String {
    let mut token: String = numbers.iter().map(|n| format!("{n:016x}")).collect();
    let sum = match numbers {
        [one] => checksum(parent, filter, *one),
        many => checksum_all(parent, filter, many),
    };
    token.push_str(&format!("{sum:016x}"));
    token
}

/// The `N` numbers of a token made by [`encode_all`] for the same parent and filter.
pub(crate) fn decode_all<const N: usize>(
    parent: &str,
    filter: &str,
    token: &str,
) -> Result<[u64; N], Status> {
    let invalid =
        || Status::invalid_argument(format!("invalid page_token {}", crate::names::quote(token)));
    if token.len() != 16 * (N + 1) || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let number = |i: usize| {
        token
            .get(16 * i..16 * (i + 1))
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(invalid)
    };
    let mut numbers = [0u64; N];
    for (i, n) in numbers.iter_mut().enumerate() {
        *n = number(i)?;
    }
    let sum = number(N)?;
    let expected = match numbers.as_slice() {
        [one] => checksum(parent, filter, *one),
        many => checksum_all(parent, filter, many),
    };
    if sum != expected {
        return Err(invalid());
    }
    Ok(numbers)
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
        let named = encode_name("l", "f", "l/conversations/c/feedbackLabels/x");
        assert_eq!(
            decode_name("l", "f", &named).ok().as_deref(),
            Some("l/conversations/c/feedbackLabels/x")
        );
        assert!(decode_name("l", "g", &named).is_err());
        assert!(decode_name("l", "f", &named[2..]).is_err());
        assert!(decode_name("l", "f", "").is_err());
        let pair = encode_all("c", "f", &[u64::MAX - 3, 42]);
        assert_eq!(
            decode_all::<2>("c", "f", &pair).ok(),
            Some([u64::MAX - 3, 42])
        );
        assert!(decode_all::<2>("c", "g", &pair).is_err());
        assert!(decode_all::<1>("c", "f", &pair).is_err());
        let swapped = encode_all("c", "f", &[42, u64::MAX - 3]);
        assert_ne!(pair.get(32..), swapped.get(32..), "order matters");
    }
}
