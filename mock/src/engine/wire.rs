//! Answers built from stored bytes, without decoding them: a Get answers the record as it is,
//! a List page concatenates its records as the repeated field's elements (which is exactly
//! their encoding), and a field a view leaves out is cut at the wire level. Decoding a 2 KiB
//! conversation into a dynamic message and encoding it again costs more than the whole rest of
//! a call; the store's bytes are our own and well-formed, and a cut that meets anything else
//! answers `None`, which the caller reports as INTERNAL.

/// Appends a varint.
fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Appends a length-delimited field (a message or a string) with field number `number`.
pub(crate) fn append(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    varint(out, (u64::from(number) << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads a varint at `*at`, moving past it.
fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

/// `bytes` (an encoded message) without its top-level field `number`; `None` if they do not
/// parse as protobuf.
pub(crate) fn without_field(bytes: &[u8], number: u32) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let key = read_varint(bytes, &mut at)?;
        let end = match key & 7 {
            0 => {
                read_varint(bytes, &mut at)?;
                at
            }
            1 => at.checked_add(8)?,
            2 => {
                let len = usize::try_from(read_varint(bytes, &mut at)?).ok()?;
                at.checked_add(len)?
            }
            5 => at.checked_add(4)?,
            _ => return None,
        };
        if end > bytes.len() {
            return None;
        }
        if key >> 3 != u64::from(number) {
            out.extend_from_slice(bytes.get(start..end)?);
        }
        at = end;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
        conversation::Transcript, Conversation,
    };
    use prost::Message;

    #[test]
    fn cuts_one_field_and_keeps_the_rest() {
        let full = Conversation {
            name: "n".into(),
            agent_id: "a".into(),
            turn_count: 300,
            duration: Some(prost_types::Duration {
                seconds: 5,
                nanos: 0,
            }),
            transcript: Some(Transcript::default()),
            ..Default::default()
        };
        let cut = without_field(&full.encode_to_vec(), 8).expect("parses");
        let back = Conversation::decode(cut.as_slice()).expect("decodes");
        assert_eq!(
            back,
            Conversation {
                transcript: None,
                ..full
            }
        );
        assert_eq!(
            without_field(&[0x0a, 0x05, 0x01], 1),
            None,
            "short: the slow path"
        );
        assert_eq!(without_field(&[0x0f], 1), None, "an unknown wire type");
    }

    #[test]
    fn appends_what_decodes_as_a_repeated_field() {
        let item = Conversation {
            name: "x".into(),
            ..Default::default()
        };
        let mut out = Vec::new();
        append(&mut out, 1, &item.encode_to_vec());
        append(&mut out, 1, &item.encode_to_vec());
        append(&mut out, 2, b"token");
        let page = ccai_lro::proto::google::cloud::contactcenterinsights::v1::ListConversationsResponse::decode(out.as_slice())
            .expect("decodes");
        assert_eq!(page.conversations, [item.clone(), item]);
        assert_eq!(page.next_page_token, "token");
    }
}
