//! `google.rpc.Status` from `grpc-status-details-bin`: every detail kept, decoded where the type
//! is standard, kept as sent where it is not.

use ccai_lro::{proto::google::rpc as pb, Detail, Status};
use proptest::collection::vec;
use proptest::prelude::*;
use prost::Message;
use prost_types::Any;

use crate::fixed;
use crate::strategies::{rpc_status, standard_details, url};

fn tonic_code(code: i32) -> tonic::Code {
    tonic::Code::from_i32(code)
}

/// Reads `details` as a server's `grpc-status-details-bin` and checks nothing is lost.
fn check_status(code: i32, message: &str, details: Vec<u8>) -> Result<Status, TestCaseError> {
    let tonic = tonic::Status::with_details(tonic_code(code), message, details.clone().into());
    let status = Status::from_tonic(&tonic);
    prop_assert_eq!(status.raw_code(), tonic.code() as i32);
    prop_assert_eq!(status.code() as i32, tonic.code() as i32);
    prop_assert_eq!(status.message(), tonic.message());
    let shown = status.to_string();
    prop_assert!(shown.starts_with(status.code().as_str_name()), "{shown:?}");
    let _ = (status.retry_delay(), status.error_info(), status.to_proto());
    if details.is_empty() {
        prop_assert!(status.details().is_empty());
        return Ok(status);
    }
    match pb::Status::decode(details.as_slice()) {
        Ok(proto) => {
            prop_assert_eq!(status.details().len(), proto.details.len());
            let known = standard_details();
            for (detail, sent) in status.details().iter().zip(&proto.details) {
                prop_assert_eq!(&detail.to_any().type_url, &sent.type_url);
                match known.iter().find(|(u, _)| *u == sent.type_url) {
                    None => prop_assert_eq!(detail, &Detail::Other(sent.clone())),
                    Some((_, decodes)) if !decodes(&sent.value) => prop_assert!(
                        matches!(detail, Detail::Undecodable { any, .. } if any == sent),
                        "{detail:?}"
                    ),
                    Some(_) => prop_assert!(
                        !matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }),
                        "{detail:?}"
                    ),
                }
            }
        }
        Err(_) => {
            prop_assert_eq!(status.details().len(), 1);
            prop_assert!(
                matches!(
                    &status.details()[0],
                    Detail::Undecodable { any, .. }
                        if any.type_url == url::<pb::Status>() && any.value == details
                ),
                "{:?}",
                status.details()
            );
        }
    }
    Ok(status)
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn status_from_random_detail_bytes(
        code in -2i32..20,
        message in "\\PC{0,24}",
        details in vec(any::<u8>(), 0..256),
    ) {
        check_status(code, &message, details)?;
    }

    #[test]
    fn status_keeps_every_detail(code in 1i32..17, message in "\\PC{0,24}", proto in rpc_status()) {
        let status = check_status(code, &message, proto.encode_to_vec())?;
        prop_assert_eq!(status.details().len(), proto.details.len());
        // Details that were not decoded come back byte for byte.
        for (detail, sent) in status.details().iter().zip(&proto.details) {
            if matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }) {
                prop_assert_eq!(&detail.to_any(), sent);
            }
        }
    }

    #[test]
    fn known_detail_with_random_bytes(
        which in 0usize..10,
        value in vec(any::<u8>(), 0..48),
    ) {
        let (type_url, decodes) = standard_details().swap_remove(which);
        let any = Any { type_url, value };
        let detail = Detail::from_any(any.clone());
        let _ = detail.to_string();
        if decodes(&any.value) {
            prop_assert!(
                !matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }),
                "{detail:?}"
            );
        } else {
            prop_assert!(
                matches!(&detail, Detail::Undecodable { any: kept, .. } if *kept == any),
                "{detail:?}"
            );
        }
    }

    #[test]
    fn operation_error_status_round_trips(proto in rpc_status()) {
        let status = Status::from(proto.clone());
        let _ = status.to_string();
        prop_assert_eq!(status.details().len(), proto.details.len());
        for (detail, sent) in status.details().iter().zip(&proto.details) {
            prop_assert_eq!(&detail.to_any().type_url, &sent.type_url);
        }
    }
}

#[test]
fn known_detail_types_with_garbage_are_undecodable() {
    // 0xff is a field tag with wire type 7, which no protobuf decoder accepts.
    for (type_url, _) in standard_details() {
        let any = Any {
            type_url: type_url.clone(),
            value: vec![0xff, 0xff],
        };
        assert!(
            matches!(Detail::from_any(any.clone()), Detail::Undecodable { any: kept, .. } if kept == any),
            "{type_url}"
        );
    }
}
